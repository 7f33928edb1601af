// ziggurat runtime: calls of list methods bound earlier and kept in a local
// (`pop = lst.pop` ... `pop(0)`, `ins = lst.insert` ... `ins(i, x)`, as pyperformance's
// fannkuch does), done on the list directly instead of through the bound method's
// vectorcall, argument clinic and index conversion.
//
// What it must not do: change anything Python code can see. The fast path is taken only
// when the callee is exactly a builtin method object whose method definition is list's own
// `pop`/`insert` and whose self is an exact list, and the index an exact int in range; the
// list's allocation then ends up as the method would leave it (pop falls back whenever the
// method would shrink the allocation). Anything else - another callable, a subclass, an
// out-of-range or huge index, an index with __index__ - is the ordinary call.
// Under abi3 the builtin method object's layout is hidden: always the ordinary call.
#pragma once
#include "native.hpp"

namespace zrt {

#if !ZRT_LIMITED
// list's own method definitions, found once by name in PyList_Type's method table (the
// bound method objects `lst.pop` makes point at these very entries).
struct ListMethodDefs {
    PyMethodDef* pop = nullptr;
    PyMethodDef* insert = nullptr;
    bool looked = false;
};
static ListMethodDefs g_list_defs;

static inline const ListMethodDefs& list_method_defs() {
    if (!g_list_defs.looked) {
        g_list_defs.looked = true;
        for (PyMethodDef* d = PyList_Type.tp_methods; d && d->ml_name; d++) {
            if (!strcmp(d->ml_name, "pop")) g_list_defs.pop = d;
            else if (!strcmp(d->ml_name, "insert")) g_list_defs.insert = d;
        }
    }
    return g_list_defs;
}

// The exact list f is bound to when f is `lst.<def>` (a builtin method of an exact list).
static inline PyObject* bound_list_of(PyObject* f, PyMethodDef* def) {
    if (!def || !Py_IS_TYPE(f, &PyCFunction_Type) || ((PyCFunctionObject*)f)->m_ml != def) return nullptr;
    PyObject* self = ((PyCFunctionObject*)f)->m_self;
    return self && PyList_CheckExact(self) ? self : nullptr;
}

// An exact int that fits a Py_ssize_t (no __index__ to run), or false.
static inline bool exact_index(PyObject* v, Py_ssize_t* out) {
    int64_t i;
    if (!PyLong_CheckExact(v) || !long_to_i64(v, &i)) return false;
    if (i < PY_SSIZE_T_MIN || i > PY_SSIZE_T_MAX) return false;  // 32-bit targets
    *out = (Py_ssize_t)i;
    return true;
}
#endif

// f(a): `lst.pop(i)` done in place when it provably matches the method.
static inline PyObject* call_local_one(PyObject* f, PyObject* a) {
#if !ZRT_LIMITED
    if (PyObject* lst = bound_list_of(f, list_method_defs().pop)) {
        Py_ssize_t i, n = PyList_GET_SIZE(lst);
        PyListObject* l = (PyListObject*)lst;
        // list_resize shrinks the allocation below half full: leave that to the method
        if (exact_index(a, &i) && n > 0 && (i < 0 ? i + n : i) >= 0 && (i < 0 ? i + n : i) < n &&
            n - 1 >= (l->allocated >> 1)) {
            if (i < 0) i += n;
            PyObject* v = l->ob_item[i];
            memmove(&l->ob_item[i], &l->ob_item[i + 1], (size_t)(n - i - 1) * sizeof(PyObject*));
            Py_SET_SIZE(l, n - 1);
            return v;  // the list's reference passes to the caller
        }
    }
#endif
    return call_one(f, a);
}

// f(a, b): `lst.insert(i, x)` through PyList_Insert (the method's own insertion).
static inline PyObject* call_local_two(PyObject* f, PyObject* a, PyObject* b) {
#if !ZRT_LIMITED
    if (PyObject* lst = bound_list_of(f, list_method_defs().insert)) {
        Py_ssize_t i;
        if (exact_index(a, &i)) {
            PyListObject* l = (PyListObject*)lst;
            Py_ssize_t n = PyList_GET_SIZE(lst);
            if (n < l->allocated && n + 1 >= (l->allocated >> 1)) {
                // room for one more and not under half full (list_resize would reallocate):
                // what PyList_Insert does (the index clamped to 0..n, the items moved up one,
                // the size grown, the allocation left as it is), without its calls
                if (i < 0) i = i + n < 0 ? 0 : i + n;
                if (i > n) i = n;
                memmove(&l->ob_item[i + 1], &l->ob_item[i], (size_t)(n - i) * sizeof(PyObject*));
                l->ob_item[i] = Py_NewRef(b);
                Py_SET_SIZE(l, n + 1);
                return Py_NewRef(Py_None);
            }
            if (PyList_Insert(lst, i, b) < 0) return nullptr;
            return Py_NewRef(Py_None);
        }
    }
#endif
    PyObject* args[] = {nullptr, a, b};
    return call_vector(nullptr, f, args + 1, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
}

// -- x[a:] = x[b:] + x[a:b] in place (translator/list_stmts.py) ---------------------------

// A bound local's exact int value (no code runs); false for anything else.
static inline bool obj_i64(PyObject* o, int64_t* out) {
    return o && PyLong_CheckExact(o) && long_to_i64(o, out);
}
static inline bool num_i64(const Num& n, int64_t* out) {
    if (n.k == NUM_INT) {
        *out = n.i;
        return true;
    }
    return n.k == NUM_OBJ && obj_i64(n.o, out);
}

// The statement's effect when 0 <= a <= b <= len: the items from a on rotated left by b - a
// (the same items and references; the size, so the allocation, unchanged). false = not
// done, nothing touched: the caller runs the statement as written.
static inline bool list_rotate_left(PyObject* lst, int64_t a, int64_t b) {
#if ZRT_LIMITED
    (void)lst, (void)a, (void)b;
    return false;  // abi3: the items array is hidden; the statement as written
#else
    int64_t n = (int64_t)PyList_GET_SIZE(lst);
    if (a < 0 || a > b || b > n) return false;
    int64_t k = b - a;
    if (k == 0 || b == n) return true;  // x[a:] = x[a:] + [] / x[b:] is empty: the same list
    enum { MAX_SHIFT = 16 };
    if (k > MAX_SHIFT) return false;
    PyObject* saved[MAX_SHIFT];
    PyObject** items = ((PyListObject*)lst)->ob_item;
    memcpy(saved, items + a, (size_t)k * sizeof(PyObject*));
    memmove(items + a, items + b, (size_t)(n - b) * sizeof(PyObject*));
    memcpy(items + n - k, saved, (size_t)k * sizeof(PyObject*));
#endif
    return true;
}

}  // namespace zrt
