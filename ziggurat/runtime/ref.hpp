// Owned references (zrt::Ref) and the small helpers every other header uses.
// Must stay trivial: no allocation, no libc++.
#pragma once
#include "compat.hpp"  // Python.h, ZRT_PY, ZRT_INLINE and the abi3 switch

namespace zrt {

// An owned reference. Move-only; the destructor releases it. `p` is public so generated
// code can pass it where the C API borrows a reference.
struct Ref {
    PyObject* p = nullptr;
    Ref() = default;
    explicit Ref(PyObject* o) : p(o) {}
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    Ref(Ref&& o) : p(o.p) { o.p = nullptr; }
    ~Ref() { Py_XDECREF(p); }
    // Store a new (owned) value; the old value is released after the store, as CPython does.
    void set(PyObject* o) {
        PyObject* old = p;
        p = o;
        Py_XDECREF(old);
    }
    PyObject* release() {
        PyObject* r = p;
        p = nullptr;
        return r;
    }
    void clear() { set(nullptr); }
};

ZRT_INLINE PyObject* newref(PyObject* o) {
    Py_INCREF(o);
    return o;
}

ZRT_INLINE PyObject* xnewref(PyObject* o) {
    Py_XINCREF(o);
    return o;
}

ZRT_INLINE PyObject* bool_obj(int v) { return newref(v ? Py_True : Py_False); }

// Truth value: 1, 0, or -1 with an error set.
ZRT_INLINE int truth(PyObject* o) {
    if (o == Py_True) return 1;
    if (o == Py_False || o == Py_None) return 0;
    return PyObject_IsTrue(o);
}

// A constant string from UTF-8 bytes (surrogatepass keeps lone surrogates of the source).
ZRT_INLINE PyObject* str_const(const char* s, Py_ssize_t n, int intern) {
    PyObject* u = PyUnicode_DecodeUTF8(s, n, "surrogatepass");
    if (u && intern) PyUnicode_InternInPlace(&u);
    return u;
}

ZRT_INLINE PyObject* int_const(const char* digits) { return PyLong_FromString(digits, nullptr, 0); }

}  // namespace zrt

#include "limited.hpp"  // abi3 only: function, cell and traceback objects
