// The match statement's runtime checks, as CPython's ceval does them (MATCH_SEQUENCE,
// MATCH_MAPPING, MATCH_KEYS, MATCH_CLASS): 1 match, 0 no match, -1 error.
#pragma once
#include "ops.hpp"

namespace zrt {

ZRT_INLINE int match_is_sequence(PyObject* s) { return (ZRT_TP_FLAGS(Py_TYPE(s)) & Py_TPFLAGS_SEQUENCE) != 0; }
ZRT_INLINE int match_is_mapping(PyObject* s) { return (ZRT_TP_FLAGS(Py_TYPE(s)) & Py_TPFLAGS_MAPPING) != 0; }

// Values for `keys` from the mapping (a tuple), or None when a key is missing.
ZRT_INLINE PyObject* match_keys(PyObject* map, PyObject* keys) {
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    if (n == 0) return PyTuple_New(0);
    Ref seen(PySet_New(nullptr));
    Ref get(PyObject_GetAttrString(map, "get"));
    Ref dummy(PyObject_CallNoArgs((PyObject*)&PyBaseObject_Type));
    Ref values(PyTuple_New(n));
    if (!seen.p || !get.p || !dummy.p || !values.p) return nullptr;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject* key = PyTuple_GET_ITEM(keys, i);
        int dup = PySet_Contains(seen.p, key);
        if (dup < 0) return nullptr;
        if (dup) {
            PyErr_Format(PyExc_ValueError, "mapping pattern checks duplicate key (%R)", key);
            return nullptr;
        }
        if (PySet_Add(seen.p, key) < 0) return nullptr;
        PyObject* args[] = {key, dummy.p};
        PyObject* v = PyObject_Vectorcall(get.p, args, 2, nullptr);
        if (!v) return nullptr;
        if (v == dummy.p) {
            Py_DECREF(v);
            return newref(Py_None);
        }
        PyTuple_SET_ITEM(values.p, i, v);
    }
    return values.release();
}

// **rest of a mapping pattern: a new dict without the matched keys.
ZRT_INLINE PyObject* match_rest(PyObject* map, PyObject* keys) {
    Ref d(PyDict_New());
    if (!d.p || PyDict_Update(d.p, map) < 0) return nullptr;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keys); i++)
        if (PyDict_DelItem(d.p, PyTuple_GET_ITEM(keys, i)) < 0) return nullptr;
    return d.release();
}

// The items of a sequence between lo and hi as a list (a star sub-pattern).
ZRT_INLINE PyObject* match_star(PyObject* seq, Py_ssize_t lo, Py_ssize_t hi) {
    Ref list(PyList_New(0));
    if (!list.p) return nullptr;
    for (Py_ssize_t i = lo; i < hi; i++) {
        Ref item(PySequence_GetItem(seq, i));
        if (!item.p || PyList_Append(list.p, item.p) < 0) return nullptr;
    }
    return list.release();
}

// Types whose instances match a single positional sub-pattern as themselves.
ZRT_INLINE bool match_self(PyTypeObject* t) {
    PyTypeObject* selfs[] = {&PyBool_Type, &PyByteArray_Type, &PyBytes_Type, &PyDict_Type, &PyFloat_Type,
                             &PyFrozenSet_Type, &PyLong_Type, &PyList_Type, &PySet_Type, &PyUnicode_Type,
                             &PyTuple_Type};
    for (PyTypeObject* s : selfs)
        if (t == s || PyType_IsSubtype(t, s)) return true;
    return false;
}

ZRT_INLINE int match_attr(PyObject* subject, PyObject* name, PyObject* seen, PyObject* type, PyObject** out) {
    int dup = PySet_Contains(seen, name);
    if (dup < 0) return -1;
    if (dup) {
        PyErr_Format(PyExc_TypeError, "%s() got multiple sub-patterns for attribute %R",
                     ZRT_TP_NAME((PyTypeObject*)type), name);
        return -1;
    }
    if (PySet_Add(seen, name) < 0) return -1;
    *out = PyObject_GetAttr(subject, name);
    if (*out) return 1;
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();
    return 0;
}

// case Cls(p0, p1, k=p2): out receives nargs + len(kwnames) new references.
ZRT_INLINE int match_class(PyObject* subject, PyObject* type, Py_ssize_t nargs, PyObject* kwnames, PyObject** out) {
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, ZRT_RUNNING_PY(3, 12) ? "called match pattern must be a class"
                                                               : "called match pattern must be a type");
        return -1;
    }
    int inst = PyObject_IsInstance(subject, type);
    if (inst <= 0) return inst;
    Ref seen(PySet_New(nullptr));
    if (!seen.p) return -1;
    Py_ssize_t k = 0;
    if (nargs) {
        PyObject* match_args = nullptr;
        match_args = PyObject_GetAttrString(type, "__match_args__");
        bool self_match = false;
        Ref ma(match_args);
        if (!ma.p) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
            PyErr_Clear();
            ma.set(PyTuple_New(0));
            if (!ma.p) return -1;
            self_match = match_self((PyTypeObject*)type);
        } else if (!PyTuple_CheckExact(ma.p)) {
            PyErr_Format(PyExc_TypeError, "%s.__match_args__ must be a tuple (got %s)",
                         ZRT_TP_NAME((PyTypeObject*)type), ZRT_TP_NAME(Py_TYPE(ma.p)));
            return -1;
        }
        Py_ssize_t allowed = self_match ? 1 : PyTuple_GET_SIZE(ma.p);
        if (allowed < nargs) {
            PyErr_Format(PyExc_TypeError, "%s() accepts %zd positional sub-pattern%s (%zd given)",
                         ZRT_TP_NAME((PyTypeObject*)type), allowed, allowed == 1 ? "" : "s", nargs);
            return -1;
        }
        if (self_match) {
            out[k++] = newref(subject);
        } else {
            for (Py_ssize_t i = 0; i < nargs; i++) {
                PyObject* name = PyTuple_GET_ITEM(ma.p, i);
                if (!PyUnicode_CheckExact(name)) {
                    PyErr_Format(PyExc_TypeError, "__match_args__ elements must be strings (got %s)",
                                 ZRT_TP_NAME(Py_TYPE(name)));
                    return -1;
                }
                int r = match_attr(subject, name, seen.p, type, &out[k]);
                if (r <= 0) return r;
                k++;
            }
        }
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        int r = match_attr(subject, PyTuple_GET_ITEM(kwnames, i), seen.p, type, &out[k]);
        if (r <= 0) return r;
        k++;
    }
    return 1;
}

}  // namespace zrt
