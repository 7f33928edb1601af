// import / from-import / star-import with CPython's semantics, honouring a replaced
// builtins.__import__ the way the interpreter does.
#pragma once
#include "ops.hpp"

namespace zrt {

ZRT_INLINE PyObject* import_name(ModuleState* st, PyObject* name, PyObject* fromlist, int level) {
    static PyObject* s_import = nullptr;
    if (!s_import) s_import = PyUnicode_InternFromString("__import__");
    PyObject* import_func = PyDict_GetItemWithError(st->builtins, s_import);
    if (!import_func) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ImportError, "__import__ not found");
        return nullptr;
    }
    PyObject* fl = fromlist ? fromlist : Py_None;
    static PyObject* s_orig = nullptr;  // the interpreter's own __import__, seen at first use
    if (!s_orig) {
        PyObject* bmod = PyImport_ImportModule("builtins");
        if (!bmod) return nullptr;
        s_orig = PyObject_GetAttr(bmod, s_import);
        Py_DECREF(bmod);
        if (!s_orig) return nullptr;
    }
    if (import_func == s_orig) return PyImport_ImportModuleLevelObject(name, st->globals, Py_None, fl, level);
    Ref lvl(PyLong_FromLong(level));
    if (!lvl.p) return nullptr;
    PyObject* args[] = {name, st->globals, Py_None, fl, lvl.p};
    return PyObject_Vectorcall(import_func, args, 5, nullptr);
}

ZRT_INLINE PyObject* import_from(PyObject* module, PyObject* name) {
    PyObject* v = PyObject_GetAttr(module, name);
    if (v) return v;
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return nullptr;
    PyErr_Clear();
    // A submodule may be in sys.modules before it is set as an attribute (circular imports).
    Ref pkgname(PyObject_GetAttrString(module, "__name__"));
    if (pkgname.p && PyUnicode_Check(pkgname.p)) {
        Ref fullname(PyUnicode_FromFormat("%U.%U", pkgname.p, name));
        if (!fullname.p) return nullptr;
        v = PyImport_GetModule(fullname.p);
        if (v) return v;
        if (PyErr_Occurred()) return nullptr;
    } else {
        PyErr_Clear();
        pkgname.set(PyUnicode_FromString("<unknown module name>"));
        if (!pkgname.p) return nullptr;
    }
    Ref path(PyObject_GetAttrString(module, "__file__"));
    if (!path.p) PyErr_Clear();
    Ref msg(path.p && PyUnicode_Check(path.p)
                ? PyUnicode_FromFormat("cannot import name %R from %R (%U)", name, pkgname.p, path.p)
                : PyUnicode_FromFormat("cannot import name %R from %R (unknown location)", name, pkgname.p));
    if (!msg.p) return nullptr;
    PyErr_SetImportError(msg.p, pkgname.p, path.p ? path.p : Py_None);
    Ref exc(fetch_exception());
    if (exc.p) {
        PyObject_SetAttrString(exc.p, "name_from", name);
        restore_exception(exc.release());
    }
    return nullptr;
}

// from module import *: into `ns` (the module globals or a class namespace).
ZRT_INLINE int import_star(PyObject* module, PyObject* ns) {
    Ref all(PyObject_GetAttrString(module, "__all__"));
    bool skip_private = false;
    if (!all.p) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
        PyErr_Clear();
        Ref dict(PyObject_GetAttrString(module, "__dict__"));
        if (!dict.p) {
            if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ImportError, "from-import-* object has no __dict__ and no __all__");
            }
            return -1;
        }
        all.set(PyMapping_Keys(dict.p));
        if (!all.p) return -1;
        skip_private = true;
    }
    Ref it(PyObject_GetIter(all.p));
    if (!it.p) return -1;
    for (;;) {
        Ref name(PyIter_Next(it.p));
        if (!name.p) return PyErr_Occurred() ? -1 : 0;
        if (!PyUnicode_Check(name.p)) {
            Ref modname(PyObject_GetAttrString(module, "__name__"));
            if (!modname.p) return -1;
            PyErr_Format(PyExc_TypeError, "%s in %U.%s must be str, not %.100s",
                         skip_private ? "Key" : "Item", modname.p, skip_private ? "__dict__" : "__all__",
                         ZRT_TP_NAME(Py_TYPE(name.p)));
            return -1;
        }
        if (skip_private && PyUnicode_READ_CHAR(name.p, 0) == '_') continue;
        Ref value(PyObject_GetAttr(module, name.p));
        if (!value.p || store_name(ns, name.p, value.p) < 0) return -1;
    }
}

}  // namespace zrt
