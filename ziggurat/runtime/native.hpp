// Native numbers of the specialised tier.
//
// zrt::Num holds one Python value: an exact `int` that fits in int64_t or an exact `float`
// unboxed, or any other object. Every operation on Nums has exactly the semantics of the
// same operation on the boxed values: the native path is taken only where it provably gives
// CPython's result (no overflow, no division by zero, no domain error...), and every other
// case boxes the operands and calls the C API function the generic tier calls, which
// raises the same errors with the same messages. So a Num never needs a type proof: a
// wrong guess costs a type check, never a different behaviour.
//
// A Num local keeps the box it was given (or made when code needed the object) beside the
// native value, so an object read back from a local is the very object stored in it
// (identity, as in the interpreter), and reading a float local as an object allocates at
// most once per assignment.
//
// Float semantics: the module is compiled with -ffp-contract=off (toolchains/flags.py) so
// `a*b + c` is never fused into one rounding; the libm calls are the ones CPython makes.
#pragma once
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "ref.hpp"
#include "ops.hpp"
#include "attrcache.hpp"
#if !defined(Py_LIMITED_API) && PY_VERSION_HEX < 0x030B0000
#include <longintrepr.h>
#endif

// The fast paths are forced inline: the operation (a constant at every call site) then
// folds their switches down to the one native instruction and its checks.
#define ZRT_NATIVE static inline __attribute__((always_inline))

namespace zrt {

enum : int { NUM_INT = 0, NUM_FLOAT = 1, NUM_OBJ = 2, NUM_ERR = 3 };

struct Num {
    int k = NUM_OBJ;
    union {
        int64_t i;
        double f;
    };
    // Owned. k == NUM_OBJ: the value (nullptr: an unbound local); otherwise the box of the
    // native value when there is one.
    PyObject* o = nullptr;
    Num() : i(0) {}
    Num(const Num&) = delete;
    Num& operator=(const Num&) = delete;
    Num(Num&& x) : k(x.k), i(x.i), o(x.o) { x.o = nullptr; }
    ~Num() { Py_XDECREF(o); }
    bool err() const { return k == NUM_ERR; }
    bool bound() const { return k != NUM_OBJ || o != nullptr; }
    // Store a value (a move); the old value is released after the store, as CPython does.
    void assign(Num& x) {  // takes x's value (x is a temporary)
        PyObject* old = o;
        k = x.k;
        i = x.i;
        o = x.o;
        x.o = nullptr;
        Py_XDECREF(old);
    }
    void set_int(int64_t v) {
        PyObject* old = o;
        k = NUM_INT;
        i = v;
        o = nullptr;
        Py_XDECREF(old);
    }
    void set_float(double v) {  // a float run's write-back (translator/floatrun.py)
        PyObject* old = o;
        k = NUM_FLOAT;
        f = v;
        o = nullptr;
        Py_XDECREF(old);
    }
    // Store an owned object (nullptr unbinds): ints and floats are kept unboxed too.
    inline void set(PyObject* v);
    void clear() { set(nullptr); }
};

ZRT_NATIVE Num num_int(int64_t v) {
    Num n;
    n.k = NUM_INT;
    n.i = v;
    return n;
}

ZRT_NATIVE Num num_float(double v) {
    Num n;
    n.k = NUM_FLOAT;
    n.f = v;
    return n;
}

ZRT_INLINE Num num_err() {
    Num n;
    n.k = NUM_ERR;
    return n;
}


// int64_t value of an exact int, false if it does not fit.
ZRT_NATIVE bool long_to_i64(PyObject* v, int64_t* out) {
#if !defined(Py_LIMITED_API) && PY_VERSION_HEX >= 0x030C0000
    if (PyUnstable_Long_IsCompact((PyLongObject*)v)) {
        *out = (int64_t)PyUnstable_Long_CompactValue((PyLongObject*)v);
        return true;
    }
#elif !defined(Py_LIMITED_API)
    Py_ssize_t size = Py_SIZE(v);
    if (size >= -1 && size <= 1) {
        *out = (int64_t)size * (int64_t)((PyLongObject*)v)->ob_digit[0];
        return true;
    }
#endif
    int overflow = 0;
    long long r = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow) return false;
    *out = (int64_t)r;
    return true;
}

ZRT_NATIVE double float_value(PyObject* v) {
#ifdef Py_LIMITED_API
    return PyFloat_AsDouble(v);
#else
    return PyFloat_AS_DOUBLE(v);
#endif
}

// Classify into n (whose o is already v or nullptr).
ZRT_NATIVE void num_classify(Num& n, PyObject* v) {
    if (PyFloat_CheckExact(v)) {
        n.k = NUM_FLOAT;
        n.f = float_value(v);
    } else if (PyLong_CheckExact(v) && long_to_i64(v, &n.i)) {
        n.k = NUM_INT;
    } else {
        n.k = NUM_OBJ;
    }
}

inline __attribute__((always_inline)) void Num::set(PyObject* v) {
    PyObject* old = o;
    o = v;
    if (v)
        num_classify(*this, v);
    else
        k = NUM_OBJ;
    Py_XDECREF(old);
}

// An owned object result (nullptr = an error is set); an int or float is also kept native.
ZRT_NATIVE Num num_obj(PyObject* v) {
    Num n;
    if (!v) {
        n.k = NUM_ERR;
        return n;
    }
    n.o = v;
    num_classify(n, v);
    return n;
}

// An operand read from a borrowed object: native when it is an exact int/float.
ZRT_NATIVE Num num_leaf(PyObject* v) {
    Num n;
    num_classify(n, v);
    if (n.k == NUM_OBJ) n.o = newref(v);
    return n;
}

// The same, keeping a reference to the object itself (an index: the generic path then
// passes that very object on, with no new box).
ZRT_NATIVE Num num_leaf_keep(PyObject* v) {
    Num n;
    num_classify(n, v);
    n.o = newref(v);
    return n;
}

// A temporary Num as a method entry's view parameter (translator/methodcalls.py views_of):
// the temporary lives until the end of the full expression, which holds the entry's call.
ZRT_INLINE Num* num_view(Num&& n) { return &n; }

// The same value in a new Num (a local read where `:=` could rebind it meanwhile).
ZRT_NATIVE Num num_copy(const Num& a) {
    Num n;
    n.k = a.k;
    n.i = a.i;
    n.o = xnewref(a.o);
    return n;
}

// The value moved out of a (temporary or parameter) Num, for a by-value argument.
ZRT_NATIVE Num num_move(Num& a) {
    Num n;
    n.k = a.k;
    n.i = a.i;
    n.o = a.o;
    a.o = nullptr;
    return n;
}

ZRT_INLINE Num num_from_bool(int b) {  // b: 0/1, or -1 = error
    if (b < 0) return num_err();
    return num_obj(bool_obj(b));
}

// Boxing an int of CPython's small-int cache (-5..256) gives the interpreter's one shared
// object for it (identity as in the interpreter); those objects live as long as the
// interpreter (3.11+: in the runtime's static state), so the first box of each is kept
// here, with a reference, and later ones are a table read instead of a call.
enum : int { SMALL_INT_MIN = -5, SMALL_INT_COUNT = 262 };
#if !ZRT_LIMITED && PY_VERSION_HEX >= 0x030B0000
static PyObject* g_small_ints[SMALL_INT_COUNT];

__attribute__((noinline)) static PyObject* box_small_int_first(int64_t v) {
    PyObject* o = PyLong_FromLongLong((long long)v);
    if (o) g_small_ints[v - SMALL_INT_MIN] = newref(o);
    return o;
}
#endif

// A new reference to an int64 value as a Python int.
ZRT_NATIVE PyObject* box_i64(int64_t v) {
#if !ZRT_LIMITED && PY_VERSION_HEX >= 0x030B0000
    if ((uint64_t)(v - SMALL_INT_MIN) < (uint64_t)SMALL_INT_COUNT) {
        if (PyObject* o = g_small_ints[v - SMALL_INT_MIN]) return newref(o);
        return box_small_int_first(v);
    }
#endif
    return PyLong_FromLongLong((long long)v);
}

// A new reference to the value as an object.
ZRT_NATIVE PyObject* num_box(const Num& a) {
    if (a.o) return newref(a.o);
    if (a.k == NUM_INT) return box_i64(a.i);
    if (a.k == NUM_FLOAT) return PyFloat_FromDouble(a.f);
    PyErr_SetString(PyExc_SystemError, "ziggurat: boxing an unbound value");
    return nullptr;
}

// f(args) through vectorcall with the arguments boxed (a direct call's generic path).
__attribute__((noinline)) static Num num_vectorcall(PyObject* f, const Num* const* args, int n) {
    PyObject* boxed[8];
    int k = 0;
    for (; k < n; k++) {
        boxed[k + 1] = num_box(*args[k]);
        if (!boxed[k + 1]) break;
    }
    PyObject* r = k == n ? PyObject_Vectorcall(f, boxed + 1, (size_t)n | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr) : nullptr;
    for (int j = 0; j < k; j++) Py_DECREF(boxed[j + 1]);
    return num_obj(r);
}

// A borrowed reference to a local's value as an object, boxing it once (nullptr = error).
ZRT_NATIVE PyObject* num_local_obj(Num& a) {
    if (!a.o) a.o = num_box(a);
    return a.o;
}

// Steal the value as an owned object (temporaries).
ZRT_NATIVE PyObject* num_steal(Num& a) {
    if (a.o) {
        PyObject* r = a.o;
        a.o = nullptr;
        return r;
    }
    return num_box(a);
}

ZRT_NATIVE double num_d(const Num& a) { return a.k == NUM_INT ? (double)a.i : a.f; }

// Both int or float (not objects).
ZRT_NATIVE bool num_both(const Num& a, const Num& b) { return a.k <= NUM_FLOAT && b.k <= NUM_FLOAT; }

// |i| <= 2**53: the int converts to a double exactly.
ZRT_NATIVE bool exact_double(int64_t i) { return i >= -(INT64_C(1) << 53) && i <= (INT64_C(1) << 53); }

enum : int {
    NOP_ADD, NOP_SUB, NOP_MUL, NOP_TRUEDIV, NOP_FLOORDIV, NOP_MOD, NOP_POW,
    NOP_LSHIFT, NOP_RSHIFT, NOP_OR, NOP_XOR, NOP_AND, NOP_MATMUL
};

// Everything the native paths do not take: the generic tier's C API call on the boxes.
__attribute__((noinline)) static Num num_generic(int op, bool inplace, const Num& a, const Num& b) {
    Ref x(num_box(a));
    if (!x.p) return num_err();
    Ref y(num_box(b));
    if (!y.p) return num_err();
    // indexed by the NOP_* order: {binary, in-place}
    static const binaryfunc fns[][2] = {
        {PyNumber_Add, PyNumber_InPlaceAdd}, {PyNumber_Subtract, PyNumber_InPlaceSubtract},
        {PyNumber_Multiply, PyNumber_InPlaceMultiply}, {PyNumber_TrueDivide, PyNumber_InPlaceTrueDivide},
        {PyNumber_FloorDivide, PyNumber_InPlaceFloorDivide}, {PyNumber_Remainder, PyNumber_InPlaceRemainder},
        {power, inplace_power}, {PyNumber_Lshift, PyNumber_InPlaceLshift}, {PyNumber_Rshift, PyNumber_InPlaceRshift},
        {PyNumber_Or, PyNumber_InPlaceOr}, {PyNumber_Xor, PyNumber_InPlaceXor}, {PyNumber_And, PyNumber_InPlaceAnd},
        {PyNumber_MatrixMultiply, PyNumber_InPlaceMatrixMultiply},
    };
    PyObject* r = fns[op][inplace ? 1 : 0](x.p, y.p);
    return num_obj(r);
}

// libm at run time, as CPython calls it: through a pointer the optimiser cannot see
// through. Otherwise clang folds calls with constant arguments using its own math library
// (math.exp(1.0) came out one ulp off) and rewrites pow(x, 0.5) as sqrt(x) or pow(x, 2.0)
// as x*x, which libm's pow (not always correctly rounded) need not agree with.
ZRT_INLINE double libm1(double (*fn)(double), double x) {
    double (*volatile f)(double) = fn;
    return f(x);
}

ZRT_INLINE double libm_pow(double x, double y) {
    double (*f)(double, double) = ::pow;
    __asm__("" : "+r"(f));  // (hides which function it is, as the volatile above, in a register)
    return f(x, y);
}

// x > 0 and both finite: where CPython's float_pow is libm's pow with no special case
// (two comparisons each: clang made bit tests of isfinite next to `x > 0.0`)
ZRT_NATIVE bool pow_plain(double x, double y) {
    return x > 0.0 && x <= DBL_MAX && y >= -DBL_MAX && y <= DBL_MAX;
}

// float // and % exactly as CPython's float_floor_div / float_mod compute them (wx != 0).
ZRT_NATIVE double float_mod(double vx, double wx) {
    double mod = fmod(vx, wx);
    if (mod) {
        if ((wx < 0) != (mod < 0)) mod += wx;
    } else {
        mod = copysign(0.0, wx);
    }
    return mod;
}

ZRT_NATIVE double float_floordiv(double vx, double wx) {
    double mod = fmod(vx, wx);
    double div = (vx - mod) / wx;
    if (mod) {
        if ((wx < 0) != (mod < 0)) div -= 1.0;
    }
    double floordiv;
    if (div) {
        floordiv = floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
    } else {
        floordiv = copysign(0.0, vx / wx);
    }
    return floordiv;
}

// (Leaf: the native paths only - where the generic path would be taken, an error Num
// with no exception set: a leaf function's body then gives up, see leaf.hpp)
template <bool Leaf>
ZRT_NATIVE Num num_binop_t(int op, bool inplace, const Num& a, const Num& b) {
    // two floats first: the common case of float kernels, with the fewest kind tests
    if (a.k == NUM_FLOAT && b.k == NUM_FLOAT) {
        switch (op) {
            case NOP_ADD: return num_float(a.f + b.f);
            case NOP_SUB: return num_float(a.f - b.f);
            case NOP_MUL: return num_float(a.f * b.f);
            case NOP_TRUEDIV:
                if (b.f != 0.0) return num_float(a.f / b.f);
                break;
            default: break;
        }
    }
    if (a.k == NUM_INT && b.k == NUM_INT) {
        int64_t x = a.i, y = b.i, r;
        switch (op) {
            case NOP_ADD:
                if (!__builtin_add_overflow(x, y, &r)) return num_int(r);
                break;
            case NOP_SUB:
                if (!__builtin_sub_overflow(x, y, &r)) return num_int(r);
                break;
            case NOP_MUL:
                if (!__builtin_mul_overflow(x, y, &r)) return num_int(r);
                break;
            case NOP_TRUEDIV:
                // both exact as doubles: one IEEE division is the correctly rounded quotient
                if (y != 0 && exact_double(x) && exact_double(y)) return num_float((double)x / (double)y);
                break;
            case NOP_FLOORDIV:
                if (y != 0 && !(x == INT64_MIN && y == -1)) {
                    int64_t q = x / y;
                    if ((x % y != 0) && ((x < 0) != (y < 0))) q -= 1;
                    return num_int(q);
                }
                break;
            case NOP_MOD:
                if (y == -1) return num_int(0);
                if (y != 0) {
                    r = x % y;
                    if (r != 0 && ((r < 0) != (y < 0))) r += y;
                    return num_int(r);
                }
                break;
            case NOP_POW:
                if (y >= 0) {
                    int64_t base = x, acc = 1;
                    int64_t e = y;
                    bool ok = true;
                    while (e && ok) {
                        if (e & 1) ok = !__builtin_mul_overflow(acc, base, &acc);
                        e >>= 1;
                        if (e && ok) ok = !__builtin_mul_overflow(base, base, &base);
                    }
                    if (ok) return num_int(acc);
                }
                break;
            case NOP_LSHIFT:
                if (y >= 0 && y < 63) {
                    r = (int64_t)((uint64_t)x << y);
                    if ((r >> y) == x) return num_int(r);
                }
                break;
            case NOP_RSHIFT:
                if (y >= 0) return num_int(y >= 63 ? (x < 0 ? -1 : 0) : (x >> y));
                break;
            case NOP_OR: return num_int(x | y);
            case NOP_XOR: return num_int(x ^ y);
            case NOP_AND: return num_int(x & y);
            default: break;
        }
        return Leaf ? num_err() : num_generic(op, inplace, a, b);
    }
    if (num_both(a, b) && (a.k == NUM_FLOAT || b.k == NUM_FLOAT)) {
        double x = num_d(a), y = num_d(b);
        switch (op) {
            case NOP_ADD: return num_float(x + y);
            case NOP_SUB: return num_float(x - y);
            case NOP_MUL: return num_float(x * y);
            case NOP_TRUEDIV:
                if (y != 0.0) return num_float(x / y);
                break;
            case NOP_FLOORDIV:
                if (y != 0.0) return num_float(float_floordiv(x, y));
                break;
            case NOP_MOD:
                if (y != 0.0) return num_float(float_mod(x, y));
                break;
            case NOP_POW:
                // the cases where CPython's float_pow is libm's pow with no special case
                // and no error: a positive finite base, a finite exponent, a finite result
                if (pow_plain(x, y)) {
                    double r = libm_pow(x, y);
                    if (isfinite(r)) return num_float(r);
                }
                break;
            default: break;
        }
    }
    return Leaf ? num_err() : num_generic(op, inplace, a, b);
}

ZRT_NATIVE Num num_binop(int op, bool inplace, const Num& a, const Num& b) {
    return num_binop_t<false>(op, inplace, a, b);
}

// A compiled dunder method a binary operator site may call directly: the stub giving its
// code object and its body entry (translator/methodcalls.py MK_<n>, MP_<n>).
struct DunderEntry {
    PyObject* (*code)();
    PyObject* (*body)(TState, PyObject*, PyObject*, PyObject*);
};

// `a op b` (num_binop's `op`, dunder_method's `dop`) where `a` holds an object: the first of
// the site's `n` candidates whose code is what CPython's protocol would call first
// (attrcache.hpp dunder_method) entered directly, else num_binop. One copy per module, out
// of line: emitted in every site (as a lambda) it was ~900 bytes of machine code each, 29
// sites in chaos, ~5% of its compile. `ts` may be nullptr (no frame in hand).
ZRT_SLOW_PATH Num num_dunder_binop(TState ts, int op, DunderOp dop, MethodCache* c, const DunderEntry* entries, int n,
                                   const Num& a, const Num& b) {
    PyObject* left = a.o;
    PyObject* right = b.o;
    Ref boxed;
    if (!right) {
        boxed.set(num_box(b));
        if (!boxed.p) return num_err();
        right = boxed.p;
    }
    Ref f(dunder_method(left, right, dop, c));
    PyObject* code = dunder_code(f.p);
    for (int k = 0; k < n; k++) {
        if (code == entries[k].code()) {
            PyObject* r = entries[k].body(ts ? ts : current_tstate(), f.p, newref(left), newref(right));
            return num_obj(dunder_result(r, left, right, dop));
        }
    }
    return num_binop(op, false, a, b);
}

ZRT_NATIVE Num num_neg(const Num& a) {
    if (a.k == NUM_INT && a.i != INT64_MIN) return num_int(-a.i);
    if (a.k == NUM_FLOAT) return num_float(-a.f);
    Ref x(num_box(a));
    if (!x.p) return num_err();
    return num_obj(PyNumber_Negative(x.p));
}

ZRT_NATIVE Num num_invert(const Num& a) {
    if (a.k == NUM_INT) return num_int(~a.i);
    Ref x(num_box(a));
    if (!x.p) return num_err();
    return num_obj(PyNumber_Invert(x.p));
}

// Rich comparison of two natives, or -2 when the native path does not apply.
ZRT_NATIVE int num_cmp_native(const Num& a, const Num& b, int op) {
    if (a.k == NUM_INT && b.k == NUM_INT) return compare_order(a.i, b.i, op);
    if (!num_both(a, b)) return -2;
    // int vs float compares exactly in CPython; the conversion is exact up to 2**53
    if ((a.k == NUM_INT && !exact_double(a.i)) || (b.k == NUM_INT && !exact_double(b.i))) return -2;
    return compare_order(num_d(a), num_d(b), op);
}

__attribute__((noinline)) static PyObject* num_cmp_generic(const Num& a, const Num& b, int op) {
    Ref x(num_box(a));
    if (!x.p) return nullptr;
    Ref y(num_box(b));
    if (!y.p) return nullptr;
    return PyObject_RichCompare(x.p, y.p, op);
}

// `a <op> b` as a value: a new reference (a bool unless an object's method says otherwise).
ZRT_NATIVE PyObject* num_compare(const Num& a, const Num& b, int op) {
    int r = num_cmp_native(a, b, op);
    if (r >= 0) return bool_obj(r);
    return num_cmp_generic(a, b, op);
}

// `if a <op> b`: 1, 0 or -1 with an error set.
ZRT_NATIVE int num_compare_truth(const Num& a, const Num& b, int op) {
    int r = num_cmp_native(a, b, op);
    if (r >= 0) return r;
    Ref v(num_cmp_generic(a, b, op));
    if (!v.p) return -1;
    return truth(v.p);
}

ZRT_NATIVE int num_truth(const Num& a) {
    if (a.k == NUM_INT) return a.i != 0;
    if (a.k == NUM_FLOAT) return a.f != 0.0;
    return truth(a.o);
}

// -- builtins and math functions, when the name is still bound to them ---------------------

// Is f the builtin `modname.name` (builtins.len, math.sqrt...)? Python code cannot make a
// builtin_function_or_method, so its C name and the module it is bound to identify it. A
// site remembers (and keeps alive) the object it verified, so the check is one compare.
struct BuiltinSite {
    PyObject* seen;
    // global_is_builtin: where the name was last found in the module's table of str keys
    // (only a hint: the entry is re-checked to hold that very name)
    Py_ssize_t hint;
    // global_is_builtin's last yes, good while the globals and the builtins keep these
    // version tags (0: none yet; a live dict's tag is never 0)
    uint64_t globals_version;
    uint64_t builtins_version;
};

__attribute__((noinline)) static bool verify_builtin(PyObject* f, const char* modname, const char* name, BuiltinSite* site) {
#ifdef Py_LIMITED_API
    (void)f; (void)modname; (void)name; (void)site;
    return false;
#else
    if (!PyCFunction_Check(f)) return false;
    PyCFunctionObject* cf = (PyCFunctionObject*)f;
    if (!cf->m_ml || strcmp(cf->m_ml->ml_name, name) != 0) return false;
    PyObject* self = cf->m_self;
    if (!self || !PyModule_Check(self)) return false;
    const char* mn = PyModule_GetName(self);
    if (!mn) {
        PyErr_Clear();
        return false;
    }
    if (strcmp(mn, modname) != 0) return false;
    Py_XDECREF(site->seen);
    site->seen = newref(f);
    return true;
#endif
}

ZRT_INLINE bool is_builtin(PyObject* f, const char* modname, const char* name, BuiltinSite* site) {
    return f == site->seen || verify_builtin(f, modname, name, site);
}

__attribute__((noinline)) static Num num_call_generic(PyObject* f, const Num& a) {
    Ref x(num_box(a));
    if (!x.p) return num_err();
    return num_obj(call_one(f, x.p));
}

// len(x) with x an object (an exact list's or tuple's size read in place: hexiom's
// `len(self.cells[i])` went through PyObject_Length's dispatch)
ZRT_INLINE Num num_len(PyObject* f, PyObject* x, BuiltinSite* site) {
    if (is_builtin(f, "builtins", "len", site)) {
#if !ZRT_LIMITED
        if (PyList_CheckExact(x) || PyTuple_CheckExact(x)) return num_int((int64_t)Py_SIZE(x));
#endif
        Py_ssize_t n = PyObject_Length(x);
        if (n < 0) return num_err();
        return num_int((int64_t)n);
    }
    return num_obj(call_one(f, x));
}

// abs(x)
ZRT_INLINE Num num_abs(PyObject* f, const Num& a, BuiltinSite* site) {
    if ((a.k == NUM_FLOAT || (a.k == NUM_INT && a.i != INT64_MIN)) && is_builtin(f, "builtins", "abs", site)) {
        if (a.k == NUM_FLOAT) return num_float(fabs(a.f));
        return num_int(a.i < 0 ? -a.i : a.i);
    }
    return num_call_generic(f, a);
}

// Would math_1 return libm's result r of x unchanged (no NaN from a non-NaN, no infinity
// from a finite argument)? A finite result is tested first: one compare on the common path
// (float's sin, cos and sqrt per Point paid ~14 instructions each for the full test).
ZRT_INLINE bool libm_result_plain(double x, double r) {
    if (__builtin_expect(isfinite(r), 1)) return true;
    return !(isnan(r) && !isnan(x)) && !(isinf(r) && isfinite(x));
}

// math.<fn>(x): libm's function where math_1 would return its result unchanged
// (libm_result_plain); anything else calls the function, which raises its own error.
ZRT_INLINE Num num_math1(PyObject* f, const Num& a, const char* name, double (*fn)(double), BuiltinSite* site) {
    if (num_both(a, a) && is_builtin(f, "math", name, site)) {
        double x = num_d(a);
        // sqrt and fabs are exact (IEEE 754): no call needed for them
        double r = fn == ::sqrt ? sqrt(x) : fn == ::fabs ? fabs(x) : libm1(fn, x);
        if (libm_result_plain(x, r)) return num_float(r);
    }
    return num_call_generic(f, a);
}

// min(a, b, ...) / max(a, b, ...) (op Py_LT / Py_GT): over exact ints and floats the
// builtin's own rule (an item replaces the best so far when `item op best`) decided
// natively; the result is one of the argument objects, as the builtin returns.
ZRT_INLINE PyObject* minmax(PyObject* f, PyObject* const* args, int n, int op, BuiltinSite* site) {
    if (is_builtin(f, "builtins", op == Py_LT ? "min" : "max", site)) {
        Num best = num_leaf(args[0]);
        int pick = 0;
        bool native = best.k != NUM_OBJ;
        for (int k = 1; k < n && native; k++) {
            Num item = num_leaf(args[k]);
            int r = num_cmp_native(item, best, op);
            if (r < 0) {
                native = false;
            } else if (r) {
                best.assign(item);
                pick = k;
            }
        }
        if (native) return newref(args[pick]);
    }
    return PyObject_Vectorcall(f, args, (size_t)n, nullptr);
}

// -- containers indexed by a Num ------------------------------------------------------------

// Items of exact lists and tuples: the limited API (abi3) has only function calls for
// them, with the same results.
#ifdef Py_LIMITED_API
ZRT_NATIVE Py_ssize_t seq_size(PyObject* o) { return PyList_Check(o) ? PyList_Size(o) : PyTuple_Size(o); }
ZRT_NATIVE PyObject* seq_item(PyObject* o, Py_ssize_t i) {  // borrowed
    return PyList_Check(o) ? PyList_GetItem(o, i) : PyTuple_GetItem(o, i);
}
ZRT_NATIVE void list_store(PyObject* o, Py_ssize_t i, PyObject* v) { PyList_SetItem(o, i, v); }
ZRT_NATIVE Py_ssize_t list_size(PyObject* o) { return PyList_Size(o); }
ZRT_NATIVE PyObject* list_item(PyObject* o, Py_ssize_t i) { return PyList_GetItem(o, i); }
ZRT_NATIVE Py_ssize_t tuple_size(PyObject* o) { return PyTuple_Size(o); }
ZRT_NATIVE PyObject* tuple_item(PyObject* o, Py_ssize_t i) { return PyTuple_GetItem(o, i); }
#else
ZRT_NATIVE Py_ssize_t seq_size(PyObject* o) { return PySequence_Fast_GET_SIZE(o); }
ZRT_NATIVE PyObject* seq_item(PyObject* o, Py_ssize_t i) { return PySequence_Fast_ITEMS(o)[i]; }
// ... of a list (tuple) known to be one: without seq_item's test of the type's flags on
// every item (nbody unpacks 14 items and reads 6 per pair)
ZRT_NATIVE Py_ssize_t list_size(PyObject* o) { return PyList_GET_SIZE(o); }
ZRT_NATIVE PyObject* list_item(PyObject* o, Py_ssize_t i) { return PyList_GET_ITEM(o, i); }
ZRT_NATIVE Py_ssize_t tuple_size(PyObject* o) { return PyTuple_GET_SIZE(o); }
ZRT_NATIVE PyObject* tuple_item(PyObject* o, Py_ssize_t i) { return PyTuple_GET_ITEM(o, i); }
// steals v; the old item is released after the store, as list.__setitem__ does
ZRT_NATIVE void list_store(PyObject* o, Py_ssize_t i, PyObject* v) {
    PyObject** items = ((PyListObject*)o)->ob_item;
    PyObject* old = items[i];
    items[i] = v;
    Py_XDECREF(old);
}
#endif

// Unpacking an exact tuple or list of the right size, inline (zrt::unpack does the rest:
// other iterables, the wrong number of items with its message).
ZRT_NATIVE int unpack_fast(PyObject* seq, Py_ssize_t n, PyObject** out) {
    if (PyTuple_CheckExact(seq) && tuple_size(seq) == n) {
        for (Py_ssize_t k = 0; k < n; k++) out[k] = newref(tuple_item(seq, k));
        return 0;
    }
    if (PyList_CheckExact(seq) && list_size(seq) == n) {
        for (Py_ssize_t k = 0; k < n; k++) out[k] = newref(list_item(seq, k));
        return 0;
    }
    return unpack(seq, n, out);
}

__attribute__((noinline)) static PyObject* getitem_generic(PyObject* obj, const Num& key) {
    Ref k(num_box(key));
    if (!k.p) return nullptr;
    return PyObject_GetItem(obj, k.p);
}

// obj[key]: exact lists and tuples indexed by a native int read the item directly.
ZRT_NATIVE PyObject* getitem_num(PyObject* obj, const Num& key) {
    if (key.k == NUM_INT && (PyList_CheckExact(obj) || PyTuple_CheckExact(obj))) {
        Py_ssize_t n = seq_size(obj);
        int64_t i = key.i < 0 ? key.i + n : key.i;
        if (i >= 0 && i < n) return newref(seq_item(obj, (Py_ssize_t)i));
    }
    return getitem_generic(obj, key);
}

// obj[key] = v (v borrowed)
ZRT_NATIVE int setitem_num(PyObject* obj, const Num& key, PyObject* v) {
    if (key.k == NUM_INT && PyList_CheckExact(obj)) {
        Py_ssize_t n = seq_size(obj);
        int64_t i = key.i < 0 ? key.i + n : key.i;
        if (i >= 0 && i < n) {
            list_store(obj, (Py_ssize_t)i, newref(v));
            return 0;
        }
    }
    Ref k(num_box(key));
    if (!k.p) return -1;
    return PyObject_SetItem(obj, k.p, v);
}

// -- stores of a float result that reuse the float object they replace ------------------

// A float object only the container references (refcount 1) can take the new value in
// place instead of a new box: no one else can see the object, so this is the allocation
// CPython's own float operations avoid when an operand dies (floats have no weak
// references and are not tracked by the GC). `*slot` is the container's reference.
ZRT_NATIVE bool float_reuse(PyObject* old, const Num& v) {
#if defined(Py_LIMITED_API) || defined(Py_GIL_DISABLED)
    (void)old; (void)v;
    return false;
#else
    if (v.k != NUM_FLOAT || v.o || !old || !PyFloat_CheckExact(old) || Py_REFCNT(old) != 1) return false;
    ((PyFloatObject*)old)->ob_fval = v.f;
    return true;
#endif
}

// obj[key] = v where v is a temporary Num (`lst[i] op= x`): an exact list's float item is
// overwritten in place when only the list holds it; anything else stores the box.
ZRT_NATIVE int setitem_num_value(PyObject* obj, const Num& key, Num& v) {
    if (key.k == NUM_INT && PyList_CheckExact(obj)) {
        Py_ssize_t n = seq_size(obj);
        int64_t i = key.i < 0 ? key.i + n : key.i;
        if (i >= 0 && i < n && float_reuse(seq_item(obj, (Py_ssize_t)i), v)) return 0;
    }
    Ref box(num_steal(v));
    if (!box.p) return -1;
    return setitem_num(obj, key, box.p);
}

// obj.name = v where v is a temporary Num (`obj.x op= y`): the same for a cached
// attribute slot (a `__slots__` member or the instance's values array).
ZRT_NATIVE int setattr_num_value(PyObject* obj, PyObject* name, Num& v, AttrCache* c) {
#ifdef ZRT_ATTR_CACHE
    if (v.k == NUM_FLOAT && attr_cache_hit(c, obj)) {
        PyObject** at = cached_attr_address(c, obj);
        if (at && float_reuse(*at, v)) return 0;
    }
#endif
    Ref box(num_steal(v));
    if (!box.p) return -1;
    return setattr_cached(obj, name, box.p, c);
}

// -- loops fused with their float run (translator/fusedloop.py) -------------------------------

// The items of an exact tuple or list of exactly n items (UNPACK_SEQUENCE's own fast case:
// taking them runs no code), else nullptr. The limited API hides the item arrays: there a
// fused loop never starts (ZRT_FUSED_LOOPS) and the ordinary loop runs. So on free-threaded
// builds, where another thread may change a list while the section holds borrowed items.
#if defined(Py_LIMITED_API) || defined(Py_GIL_DISABLED)
#define ZRT_FUSED_LOOPS 0
ZRT_NATIVE PyObject* const* fixed_items(PyObject*, Py_ssize_t) { return nullptr; }
ZRT_NATIVE PyObject* const* proven_items(PyObject*) { return nullptr; }
#else
#define ZRT_FUSED_LOOPS 1
ZRT_NATIVE PyObject* const* fixed_items(PyObject* o, Py_ssize_t n) {
    if (PyTuple_CheckExact(o)) return PyTuple_GET_SIZE(o) == n ? ((PyTupleObject*)o)->ob_item : nullptr;
    if (PyList_CheckExact(o)) return PyList_GET_SIZE(o) == n ? ((PyListObject*)o)->ob_item : nullptr;
    return nullptr;
}
// The items of a part a nest's proof (fusedloop.py nest_start) vouches for: an exact tuple
// or list of the pattern's size, so only where its items are is left to look up.
ZRT_NATIVE PyObject* const* proven_items(PyObject* o) {
    return PyTuple_CheckExact(o) ? ((PyTupleObject*)o)->ob_item : ((PyListObject*)o)->ob_item;
}
#endif

// An exact tuple or list of exactly n items (checked before proven_items reads them).
ZRT_NATIVE bool fixed_shape(PyObject* o, Py_ssize_t n) { return fixed_items(o, n) != nullptr; }

// The last loop_tick_due() fell due, so its caller ran the signal check (and maybe handlers).
ZRT_INLINE bool loop_tick_was_due() { return (loop_ticks & 1023u) == 0; }

// seq[k] (k >= 0) is an exact float item of an exact list (or, for loads, tuple): checked
// once per step of a fused loop, it stays true through the step's body (which only ever
// replaces exact floats by exact floats).
ZRT_NATIVE bool list_float_at(PyObject* o, Py_ssize_t k) {
    return o && PyList_CheckExact(o) && list_size(o) > k && PyFloat_CheckExact(list_item(o, k));
}
ZRT_NATIVE bool seq_float_at(PyObject* o, Py_ssize_t k) {
    if (o && PyTuple_CheckExact(o)) return tuple_size(o) > k && PyFloat_CheckExact(tuple_item(o, k));
    return list_float_at(o, k);
}

// An exact int's value when it fits in int64 (reading it runs no code).
ZRT_NATIVE bool exact_i64(PyObject* o, int64_t* out) { return PyLong_CheckExact(o) && long_to_i64(o, out); }

// Dropping the n references v[] (what a fused loop's locals held before it: it drops them
// when it leaves) runs no code at any time: each is nothing, an exact float or int, or an
// object something else holds too (more references than these; the loop itself only ever
// replaces exact floats, so that holder keeps it).
ZRT_NATIVE bool release_safe(PyObject* const* v, int n) {
    for (int i = 0; i < n; i++) {
        PyObject* o = v[i];
        if (!o || PyFloat_CheckExact(o) || PyLong_CheckExact(o)) continue;
        Py_ssize_t mine = 0;
        for (int j = 0; j < n; j++) mine += v[j] == o;
        if (Py_REFCNT(o) <= mine) return false;
    }
    return true;
}


// -- items of float runs (translator/floatrun.py) --------------------------------------------

// The index of seq[k] when seq is an exact list (or, for a load, tuple) and the item an exact
// float: reading it runs no code, so a float run may check it and still deoptimise to the
// statement's start. -1 otherwise (nothing is set).
ZRT_NATIVE Py_ssize_t list_float_item(PyObject* seq, Py_ssize_t k) {
    if (!seq || !PyList_CheckExact(seq)) return -1;
    Py_ssize_t n = list_size(seq);
    if (k < 0) k += n;
    if (k < 0 || k >= n || !PyFloat_CheckExact(list_item(seq, k))) return -1;
    return k;
}
ZRT_NATIVE Py_ssize_t seq_float_item(PyObject* seq, Py_ssize_t k) {
    if (seq && PyTuple_CheckExact(seq)) {
        Py_ssize_t n = tuple_size(seq);
        if (k < 0) k += n;
        return k >= 0 && k < n && PyFloat_CheckExact(tuple_item(seq, k)) ? k : -1;
    }
    return list_float_item(seq, k);
}

// lst[k] = v for an index list_float_item gave (no code has run since): the float object the
// item is, when only the list holds it (float_reuse), else a new one. -1: no memory (set).
ZRT_NATIVE int list_store_float(PyObject* seq, Py_ssize_t k, double v) {
#if !defined(Py_LIMITED_API) && !defined(Py_GIL_DISABLED)
    PyObject* old = list_item(seq, k);
    if (Py_REFCNT(old) == 1) {
        ((PyFloatObject*)old)->ob_fval = v;
        return 0;
    }
#endif
    PyObject* box = PyFloat_FromDouble(v);
    if (!box) return -1;
    list_store(seq, k, box);
    return 0;
}

#if !defined(Py_LIMITED_API) && !defined(Py_GIL_DISABLED)
// The float `old` (an item about to be replaced) is referenced by its list and otherwise
// only as the box of one of held[0..n) (a nest's pattern locals, fusedloop.py), which holds
// its value as a native double too: that Num drops the box (keeping the value), so the
// list's float may be overwritten in place. Only while no code has run since the locals
// were bound (the caller's `detach`): no one can have seen which object they held.
// Without it the locals bound at each section's end made every outer step allocate and
// free a float per shared item (nbody: 9 a step). The search starts after `*last`, the
// local found the time before (a nest's stores meet its locals' floats in their order).
__attribute__((noinline)) static bool detach_held(PyObject* old, Num* const* held, int n, int* last) {
    if (Py_REFCNT(old) != 2) return false;  // the list's and one Num's: no one else's
    int i = *last;
    for (int j = 0; j < n; j++) {
        if (++i >= n) i = 0;
        Num* h = held[i];
        if (h->o != old) continue;
        double value = float_value(old);
        if (h->k != NUM_FLOAT || memcmp(&h->f, &value, sizeof value) != 0) return false;
        h->o = nullptr;
        Py_DECREF(old);  // (2 -> 1: the list keeps it)
        *last = i;
        return true;
    }
    return false;
}
#endif

// list_store_float in a nest's fused section: with `detach`, a float shared only with the
// nest's locals (detach_held) is overwritten in place too. A new float object clears
// tables[0..1] (the nest's valid and filling LeafTable bits): a table may hold the one it replaces.
ZRT_NATIVE int list_store_float_held(PyObject* seq, Py_ssize_t k, double v, bool detach, Num* const* held, int n,
                                     int* last, unsigned* tables) {
#if !defined(Py_LIMITED_API) && !defined(Py_GIL_DISABLED)
    PyObject* old = list_item(seq, k);
    if (Py_REFCNT(old) == 1 || (detach && detach_held(old, held, n, last))) {
        ((PyFloatObject*)old)->ob_fval = v;
        return 0;
    }
#else
    (void)detach; (void)held; (void)n; (void)last;
#endif
    tables[0] = tables[1] = 0;
    return list_store_float(seq, k, v);
}

// A nest's record of one fused loop's items (fusedloop.py): row k holds the objects the
// pattern's names took from item k in the last walk that checked every item. While the
// nest's proof holds and no store made a new float object since, taking them from the row
// gives the same objects as walking the item's tuples and lists again (the sections only
// overwrite floats in place then), with one load each instead of a chain of them.
struct LeafTable {
    PyObject** rows = nullptr;
    Py_ssize_t cap = 0;
    LeafTable() = default;
    LeafTable(const LeafTable&) = delete;
    LeafTable& operator=(const LeafTable&) = delete;
    ~LeafTable() { PyMem_Free(rows); }
};

// Room in t for `rows` rows of `width` leaves; false (no error set) without the memory.
ZRT_NATIVE bool table_room(LeafTable* t, Py_ssize_t rows, Py_ssize_t width) {
    if (rows > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(PyObject*) / width) return false;
    Py_ssize_t n = rows * width;
    if (n <= t->cap) return true;
    PyObject** p = (PyObject**)PyMem_Realloc(t->rows, (size_t)n * sizeof(PyObject*));
    if (!p) return false;
    t->rows = p;
    t->cap = n;
    return true;
}

// obj.name where reading (and, with `store`, replacing) it runs no code and finds an exact
// float: the address of the value in a cached __slots__ member or instance values array. A
// miss fills the site's cache first (attr_cache_fill runs no code either). nullptr otherwise.
ZRT_NATIVE PyObject** attr_float_slot(PyObject* obj, PyObject* name, AttrCache* c, bool store) {
#ifdef ZRT_ATTR_CACHE
    if (!obj) return nullptr;
    if (!attr_cache_hit(c, obj)) {
        attr_cache_fill(c, obj, name, false);
        if (!attr_cache_hit(c, obj)) return nullptr;
    }
    PyTypeObject* tp = Py_TYPE(obj);
    if (tp->tp_getattro != PyObject_GenericGetAttr) return nullptr;
    if (store && tp->tp_setattro != PyObject_GenericSetAttr) return nullptr;
    PyObject** at = cached_attr_address(c, obj);
    if (!at || !*at || !PyFloat_CheckExact(*at)) return nullptr;
    return at;
#else
    (void)obj; (void)name; (void)c; (void)store;
    return nullptr;
#endif
}

// obj.name = <float> of a float run: the address of the value when storing there runs no
// code: obj's type stores through PyObject_GenericSetAttr into a cached __slots__ member or
// values entry that holds an exact float (releasing it runs no code), or into an empty
// __slots__ member (float's `__init__`: `self.x = ...`). nullptr otherwise (an empty values
// entry is an insertion: the ordinary copy does it).
ZRT_NATIVE PyObject** attr_float_store_slot(PyObject* obj, PyObject* name, AttrCache* c) {
#ifdef ZRT_ATTR_CACHE
    if (!obj) return nullptr;
    if (!attr_cache_hit(c, obj)) {
        attr_cache_fill(c, obj, name, true);
        if (!attr_cache_hit(c, obj)) return nullptr;
    }
    if (Py_TYPE(obj)->tp_setattro != PyObject_GenericSetAttr) return nullptr;
    PyObject** at = cached_attr_address(c, obj);
    if (!at) return nullptr;
    if (*at ? PyFloat_CheckExact(*at) : c->slot > 0) return at;
    return nullptr;
#else
    (void)obj; (void)name; (void)c;
    return nullptr;
#endif
}

// *at = v where *at is an exact float or empty (attr_float_slot / attr_float_store_slot, no
// code run since): the float object itself when only the owner holds it, else a new float
// (releasing a float runs no code). -1: no memory (set).
ZRT_NATIVE int attr_store_float(PyObject** at, double v) {
#if !defined(Py_LIMITED_API) && !defined(Py_GIL_DISABLED)
    if (*at && Py_REFCNT(*at) == 1) {
        ((PyFloatObject*)*at)->ob_fval = v;
        return 0;
    }
#endif
    PyObject* box = PyFloat_FromDouble(v);
    if (!box) return -1;
    PyObject* old = *at;
    *at = box;
    Py_XDECREF(old);
    return 0;
}

// *at = v (an exact float the run read) where attr_float_store_slot gave `at`: the object
// itself, as CPython stores it.
ZRT_NATIVE void attr_store_object(PyObject** at, PyObject* v) {
    PyObject* old = *at;
    *at = Py_NewRef(v);
    Py_XDECREF(old);
}

#ifdef ZRT_ATTR_CACHE
// The value of the str key `name` in d, a dict of str keys only (borrowed; nullptr: not
// there), found without running code; *unsure when d is not such a table. `hint` is where
// the name was last found in d (only a hint: a key is in a table at most once, so the hinted
// entry holding that very name is its entry).
ZRT_INLINE PyObject* str_table_value(PyObject* d, PyObject* name, Py_hash_t hash, Py_ssize_t* hint, bool* unsure) {
    *unsure = true;
    if (!PyDict_CheckExact(d)) return nullptr;
    PyDictObject* mp = (PyDictObject*)d;
    KeysHead* keys = (KeysHead*)mp->ma_keys;
    if (mp->ma_values || keys->dk_kind != KEYS_UNICODE) return nullptr;
    Py_ssize_t ix = hint ? *hint : -1;
    if (ix < 0 || ix >= keys->dk_nentries || unicode_entries(keys)[ix].me_key != name) {
        ix = unicode_keys_probe(keys, name, hash);
        if (ix == -2) return nullptr;
        if (ix >= 0 && hint) *hint = ix;
    }
    *unsure = false;
    return ix >= 0 ? unicode_entries(keys)[ix].me_value : nullptr;
}
#endif

// Is the global `name` (the module's, else the builtin) the builtin function modname.fname?
// Looked up without running any code (tables of str keys only); false when unsure.
#ifdef ZRT_ATTR_CACHE
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
// The two dicts' version tags (PEP 509: a new, never reused value at every change of a
// dict's contents, 3.6-3.13; deprecated, not yet gone, in 3.12/3.13). st->builtins, fixed at
// module init, is read only once it was seen to be an exact dict (a dict stays a dict).
ZRT_INLINE uint64_t dict_version(PyObject* d) { return ((PyDictObject*)d)->ma_version_tag; }
#pragma clang diagnostic pop
#endif

ZRT_NATIVE bool global_is_builtin(ModuleState* st, PyObject* name, const char* modname, const char* fname, BuiltinSite* site) {
#ifdef ZRT_ATTR_CACHE
    // Neither dict changed since this site last said yes: the name still holds the object it
    // verified (float's Point.__init__ and normalize check sin, cos and sqrt at every call:
    // the lookups were ~50 instructions each)
    if (site->globals_version && site->globals_version == dict_version(st->globals) &&
        site->builtins_version == dict_version(st->builtins))
        return true;
    Py_hash_t hash = ((PyASCIIObject*)name)->hash;
    if (hash == -1) return false;
    bool unsure;
    // (float's Point.__init__ calls sin and cos bound by `from math import ...`; the probe
    // was a third of each check: the globals' entry is hinted)
    PyObject* v = str_table_value(st->globals, name, hash, &site->hint, &unsure);
    if (unsure) return false;
    if (!v) {
        v = str_table_value(st->builtins, name, hash, nullptr, &unsure);
        if (unsure) return false;
    }
    if (!v || !is_builtin(v, modname, fname, site)) return false;
    if (PyDict_CheckExact(st->builtins)) {  // (globals: a module's dict, always exact)
        site->globals_version = dict_version(st->globals);
        site->builtins_version = dict_version(st->builtins);
    }
    return true;
#else
    (void)st; (void)name; (void)modname; (void)fname; (void)site;
    return false;
#endif
}

// The module's global `name` (borrowed), looked up without running any code; nullptr when
// it is not a global or when unsure. A float run computing a compiled function's return
// value in place checks with it that the name still holds that function (floatrun.py).
ZRT_NATIVE PyObject* global_peek(ModuleState* st, PyObject* name, BuiltinSite* site) {
#ifdef ZRT_ATTR_CACHE
    Py_hash_t hash = ((PyASCIIObject*)name)->hash;
    if (hash == -1) return nullptr;
    bool unsure;
    return str_table_value(st->globals, name, hash, &site->hint, &unsure);
#else
    (void)st; (void)name; (void)site;
    return nullptr;
#endif
}

// The value of `v` (borrowed; nullptr: unbound) when it is an exact float; false otherwise.
ZRT_NATIVE bool object_float(PyObject* v, double* out) {
    if (!v || !PyFloat_CheckExact(v)) return false;
    *out = float_value(v);
    return true;
}

// The double math_1 makes of a math function's argument `v` (borrowed; nullptr: unbound)
// when that runs no code: an exact float, or an exact int that fits int64_t (converted
// correctly rounded, as PyLong_AsDouble does). false otherwise.
ZRT_NATIVE bool number_as_double(PyObject* v, double* out) {
    if (!v) return false;
    if (PyFloat_CheckExact(v)) {
        *out = float_value(v);
        return true;
    }
    int64_t i;
    if (!PyLong_CheckExact(v) || !long_to_i64(v, &i)) return false;
    *out = (double)i;
    return true;
}

// number_as_double of a Num (a method's view parameter, translator/floatrun.py math_views).
ZRT_NATIVE bool num_as_double(const Num& a, double* out) {
    if (a.k == NUM_FLOAT) {
        *out = a.f;
        return true;
    }
    if (a.k == NUM_INT) {
        *out = (double)a.i;
        return true;
    }
    return number_as_double(a.o, out);
}

// math.<fn>(x) of a float run: false where math_1 would not return libm's result unchanged
// (the same cases as num_math1: the function then raises or decides itself).
ZRT_NATIVE bool math1_float(double (*fn)(double), double x, double* out) {
    double r = fn == ::sqrt ? sqrt(x) : fn == ::fabs ? fabs(x) : libm1(fn, x);
    if (!libm_result_plain(x, r)) return false;
    *out = r;
    return true;
}

// -- for x in range(...) as a counted native loop -------------------------------------------

struct RangeLoop {
    int64_t next;
    int64_t step;
    uint64_t left;  // items still to produce
};

// `range` and its arguments are evaluated; the native loop runs when range is the builtin
// type and every argument an exact int that fits (1); otherwise range is called and `it`
// holds its iterator for the generic loop (0); -1 is an error (range() raised).
ZRT_INLINE int range_start(PyObject* range_fn, PyObject* const* args, int nargs, RangeLoop* r, Ref* it) {
    if (range_fn == (PyObject*)&PyRange_Type) {
        int64_t v[3] = {0, 0, 1};
        bool ok = true;
        for (int k = 0; k < nargs && ok; k++)
            ok = PyLong_CheckExact(args[k]) && long_to_i64(args[k], &v[nargs == 1 ? 1 : k]);
        if (ok && v[2] != 0) {
            int64_t start = v[0], stop = v[1], step = v[2];
            r->next = start;
            r->step = step;
            if (step > 0)
                r->left = start < stop ? ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1 : 0;
            else
                r->left = start > stop ? ((uint64_t)start - (uint64_t)stop - 1) / ((uint64_t)0 - (uint64_t)step) + 1 : 0;
            return 1;
        }
    }
    Ref rng(PyObject_Vectorcall(range_fn, args, (size_t)nargs, nullptr));
    if (!rng.p) return -1;
    it->set(PyObject_GetIter(rng.p));
    return it->p ? 0 : -1;
}

ZRT_NATIVE int64_t range_next(RangeLoop* r) {
    int64_t v = r->next;
    r->left--;
    r->next = (int64_t)((uint64_t)r->next + (uint64_t)r->step);
    return v;
}

// -- list slices with native bounds ---------------------------------------------------------

// A slice bound: absent (None), or a Num.
struct Bound {
    const Num* n;  // nullptr: absent
};

// The slice object the generic tier would build: None for absent bounds.
__attribute__((noinline)) static PyObject* slice_of(Bound lo, Bound hi, int step) {
    Ref a(lo.n ? num_box(*lo.n) : newref(Py_None));
    if (!a.p) return nullptr;
    Ref b(hi.n ? num_box(*hi.n) : newref(Py_None));
    if (!b.p) return nullptr;
    Ref c(step == 1 ? newref(Py_None) : PyLong_FromLong(step));
    if (!c.p) return nullptr;
    return PySlice_New(a.p, b.p, c.p);
}

// A bound of an exact list's step-1 or step -1 slice as a native index, clamped as
// PySlice_AdjustIndices does; false when it is not a native int.
ZRT_NATIVE bool slice_index(Bound b, Py_ssize_t len, Py_ssize_t dflt, int step, Py_ssize_t* out) {
    if (!b.n) {
        *out = dflt;
        return true;
    }
    if (b.n->k != NUM_INT) return false;
    int64_t v = b.n->i;
    if (v < 0) {
        v += len;
        if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= len) {
        v = step < 0 ? len - 1 : len;
    }
    *out = (Py_ssize_t)v;
    return true;
}

// lst[lo:hi] and lst[lo:hi:-1] (step is the constant the source wrote; 1 when absent)
ZRT_INLINE PyObject* list_getslice(PyObject* obj, Bound lo, Bound hi, int step) {
    if (PyList_CheckExact(obj)) {
        Py_ssize_t len = seq_size(obj), a, b;
        if (step == 1 && slice_index(lo, len, 0, 1, &a) && slice_index(hi, len, len, 1, &b))
            return PyList_GetSlice(obj, a, b < a ? a : b);
        if (step == -1 && slice_index(lo, len, len - 1, -1, &a) && slice_index(hi, len, -1, -1, &b)) {
            Py_ssize_t n = a > b ? a - b : 0;
            PyObject* r = PyList_New(n);
            if (!r) return nullptr;
            for (Py_ssize_t k = 0; k < n; k++) list_store(r, k, newref(seq_item(obj, a - k)));
            return r;
        }
    }
    Ref sl(slice_of(lo, hi, step));
    if (!sl.p) return nullptr;
    return PyObject_GetItem(obj, sl.p);
}

// lst[lo:hi] = v (v borrowed). Only a list or tuple value takes the direct path: for
// anything else the message of the error (not iterable) differs between versions.
ZRT_INLINE int list_setslice(PyObject* obj, Bound lo, Bound hi, int step, PyObject* v) {
    if (step == 1 && PyList_CheckExact(obj) && (PyList_CheckExact(v) || PyTuple_CheckExact(v))) {
        Py_ssize_t len = seq_size(obj), a, b;
        if (slice_index(lo, len, 0, 1, &a) && slice_index(hi, len, len, 1, &b))
            return PyList_SetSlice(obj, a, b < a ? a : b, v);
    }
    Ref sl(slice_of(lo, hi, step));
    if (!sl.p) return -1;
    return PyObject_SetItem(obj, sl.p, v);
}

// `lst[lo:hi] = lst[slo:shi:-1]` (fannkuch's flip): is the value's slice one an exact list
// gives without running any code (native or absent bounds)? Then the statement may leave
// making the reversed copy to list_flip, after the target's bounds are evaluated.
ZRT_NATIVE bool reversed_slice_direct(PyObject* src, Bound lo, Bound hi) {
    return PyList_CheckExact(src) && (!lo.n || lo.n->k == NUM_INT) && (!hi.n || hi.n->k == NUM_INT);
}

// The store of such a statement: when the target is the same list and its slice exactly the
// items the reversed copy holds, the items are reversed in place (the same list, items and
// reference counts as the copy-and-assign leaves); otherwise the copy is made and assigned.
// (The copy-and-assign, out of line: the in-place path below is inlined into the statement,
// where its absent bounds fold away.)
__attribute__((noinline)) static int list_flip_copy(PyObject* obj, Bound lo, Bound hi, PyObject* src, Bound slo,
                                                    Bound shi) {
    Ref v(list_getslice(src, slo, shi, -1));
    if (!v.p) return -1;
    return list_setslice(obj, lo, hi, 1, v.p);
}

ZRT_NATIVE int list_flip(PyObject* obj, Bound lo, Bound hi, PyObject* src, Bound slo, Bound shi) {
    if (obj == src) {
        Py_ssize_t len = seq_size(obj), a, b, sa, sb;
        if (slice_index(lo, len, 0, 1, &a) && slice_index(hi, len, len, 1, &b) &&
            slice_index(slo, len, len - 1, -1, &sa) && slice_index(shi, len, -1, -1, &sb)) {
            if (b < a) b = a;
            Py_ssize_t n = sa > sb ? sa - sb : 0;
            if (b - a == n && (n == 0 || sb + 1 == a)) {
#ifdef Py_LIMITED_API
                for (Py_ssize_t i = a, j = b - 1; i < j; i++, j--) {
                    PyObject* x = newref(seq_item(obj, i));
                    PyObject* y = newref(seq_item(obj, j));
                    list_store(obj, i, y);
                    list_store(obj, j, x);
                }
#else
                PyObject** items = ((PyListObject*)obj)->ob_item;
                for (Py_ssize_t i = a, j = b - 1; i < j; i++, j--) {
                    PyObject* t = items[i];
                    items[i] = items[j];
                    items[j] = t;
                }
#endif
                return 0;
            }
        }
    }
    return list_flip_copy(obj, lo, hi, src, slo, shi);
}

// -- for i, x in enumerate(lst) / for x, y in zip(a, b) over exact lists -------------------

// The lists are held by the loop; the index is checked against the current sizes on every
// step, as a list iterator does, so lists that grow or shrink meanwhile behave the same.
struct ListLoop {
    Ref a, b;  // b: zip's second list (nullptr for enumerate)
    Py_ssize_t k = 0;
};

// `fn(args...)` evaluated; native (1) when fn is the builtin enumerate/zip type and every
// argument an exact list, else the object's iterator in `it` (0); -1 is an error.
ZRT_INLINE int list_loop_start(PyObject* fn, PyTypeObject* type, PyObject* const* args, int nargs, ListLoop* r, Ref* it) {
    if (fn == (PyObject*)type && PyList_CheckExact(args[0]) && (nargs == 1 || PyList_CheckExact(args[1]))) {
        r->a.set(newref(args[0]));
        if (nargs == 2) r->b.set(newref(args[1]));
        r->k = 0;
        return 1;
    }
    Ref obj(PyObject_Vectorcall(fn, args, (size_t)nargs, nullptr));
    if (!obj.p) return -1;
    it->set(PyObject_GetIter(obj.p));
    return it->p ? 0 : -1;
}

// `for x in seq`: an exact list or tuple is walked by index (1), anything else through its
// iterator (0); -1 is an error (not iterable).
ZRT_INLINE int seq_loop_start(PyObject* seq, ListLoop* r, Ref* it) {
    if (PyList_CheckExact(seq) || PyTuple_CheckExact(seq)) {
        r->a.set(newref(seq));
        r->k = 0;
        return 1;
    }
    it->set(PyObject_GetIter(seq));
    return it->p ? 0 : -1;
}

// The next item (a new reference), or nullptr at the end.
ZRT_NATIVE PyObject* seq_loop_next(ListLoop* r) {
    Py_ssize_t k = r->k;
    if (k >= seq_size(r->a.p)) return nullptr;
    r->k = k + 1;
    return newref(seq_item(r->a.p, k));
}

ZRT_INLINE int enumerate_start(PyObject* fn, PyObject* const* args, int nargs, ListLoop* r, Ref* it) {
    return list_loop_start(fn, &PyEnum_Type, args, nargs, r, it);
}

ZRT_INLINE int zip_start(PyObject* fn, PyObject* const* args, int nargs, ListLoop* r, Ref* it) {
    return list_loop_start(fn, &PyZip_Type, args, nargs, r, it);
}

// The next pair (new references in *x, *y), or false at the end.
ZRT_NATIVE bool list_loop_next(ListLoop* r, PyObject** x, PyObject** y) {
    Py_ssize_t k = r->k;
    if (k >= seq_size(r->a.p)) return false;
    if (r->b.p) {
        if (k >= seq_size(r->b.p)) return false;
        *x = newref(seq_item(r->a.p, k));
        *y = newref(seq_item(r->b.p, k));
    } else {
        *x = nullptr;  // enumerate: the index is r->k - 1 after the step
        *y = newref(seq_item(r->a.p, k));
    }
    r->k = k + 1;
    return true;
}

}  // namespace zrt
