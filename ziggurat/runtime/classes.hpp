// The `class` statement (what builtins.__build_class__ does, with the body compiled) and
// zero-argument super().
#pragma once
#include "ops.hpp"

namespace zrt {

typedef int (*ClassBody)(ModuleState* st, PyObject* ns, PyObject* closure, PyObject* classcell);

ZRT_INLINE int lookup_optional(PyObject* o, const char* name, PyObject** out) {
    *out = PyObject_GetAttrString(o, name);
    if (*out) return 1;
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();
    return 0;
}

// PEP 560: replace bases that define __mro_entries__.
ZRT_INLINE PyObject* resolve_bases(PyObject* bases) {
    Py_ssize_t n = PyTuple_GET_SIZE(bases);
    Ref out;  // a list, created on the first base that needs replacing
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject* base = PyTuple_GET_ITEM(bases, i);
        PyObject* meth = nullptr;
        int found = PyType_Check(base) ? 0 : lookup_optional(base, "__mro_entries__", &meth);
        if (found < 0) return nullptr;
        if (!found) {
            if (out.p && PyList_Append(out.p, base) < 0) return nullptr;
            continue;
        }
        Ref m(meth);
        Ref entries(PyObject_CallOneArg(m.p, bases));
        if (!entries.p) return nullptr;
        if (!PyTuple_Check(entries.p)) {
            PyErr_SetString(PyExc_TypeError, "__mro_entries__ must return a tuple");
            return nullptr;
        }
        if (!out.p) {
            Ref head(PyTuple_GetSlice(bases, 0, i));
            out.set(head.p ? PySequence_List(head.p) : nullptr);
            if (!out.p) return nullptr;
        }
        if (list_extend(out.p, entries.p) < 0) return nullptr;
    }
    if (!out.p) return newref(bases);
    return PyList_AsTuple(out.p);
}

ZRT_INLINE PyObject* calculate_metaclass(PyObject* meta, PyObject* bases) {
    PyTypeObject* winner = (PyTypeObject*)meta;
    Py_ssize_t n = PyTuple_GET_SIZE(bases);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTypeObject* t = Py_TYPE(PyTuple_GET_ITEM(bases, i));
        if (PyType_IsSubtype(winner, t)) continue;
        if (PyType_IsSubtype(t, winner)) {
            winner = t;
            continue;
        }
        PyErr_SetString(PyExc_TypeError,
                        "metaclass conflict: the metaclass of a derived class must be a (non-strict) "
                        "subclass of the metaclasses of all its bases");
        return nullptr;
    }
    return newref((PyObject*)winner);
}

// type.__new__ makes plain functions named __new__ a staticmethod and __init_subclass__ /
// __class_getitem__ classmethods, but it recognises only the exact function type; do it for
// compiled functions here, as it would for interpreted ones.
ZRT_INLINE int wrap_implicit_methods(PyObject* ns) {
    static const char* const names[] = {"__new__", "__init_subclass__", "__class_getitem__"};
    for (int i = 0; i < 3; i++) {
        PyObject* f = PyDict_GetItemString(ns, names[i]);
        if (!f || Py_TYPE(f) != &FunctionType) continue;
#if ZRT_LIMITED
        Ref wrapped(PyObject_CallOneArg(i == 0 ? ltypes.staticmethod : ltypes.classmethod, f));
#else
        Ref wrapped(i == 0 ? PyStaticMethod_New(f) : PyClassMethod_New(f));
#endif
        if (!wrapped.p || PyDict_SetItemString(ns, names[i], wrapped.p) < 0) return -1;
    }
    return 0;
}

// class name(*bases, **kwds): body fills the namespace; then metaclass(name, bases, ns, **kw).
ZRT_INLINE PyObject* build_class(ModuleState* st, ClassBody body, PyObject* closure, PyObject* name,
                                 PyObject* orig_bases, PyObject* kwds, bool needs_classcell) {
    Ref bases(resolve_bases(orig_bases));
    if (!bases.p) return nullptr;
    Ref mkw(kwds ? PyDict_Copy(kwds) : PyDict_New());
    if (!mkw.p) return nullptr;
    Ref meta;
    bool is_class = true;
    PyObject* given = PyDict_GetItemString(mkw.p, "metaclass");
    if (given) {
        meta.set(newref(given));
        if (PyDict_DelItemString(mkw.p, "metaclass") < 0) return nullptr;
        is_class = PyType_Check(meta.p);
    } else {
        meta.set(newref(PyTuple_GET_SIZE(bases.p) ? (PyObject*)Py_TYPE(PyTuple_GET_ITEM(bases.p, 0))
                                                   : (PyObject*)&PyType_Type));
    }
    if (is_class) {
        meta.set(calculate_metaclass(meta.p, bases.p));
        if (!meta.p) return nullptr;
    }
    PyObject* prep = nullptr;
    int has_prep = lookup_optional(meta.p, "__prepare__", &prep);
    if (has_prep < 0) return nullptr;
    Ref ns;
    if (has_prep) {
        Ref p(prep);
        PyObject* args[] = {name, bases.p};
        ns.set(PyObject_VectorcallDict(p.p, args, 2, mkw.p));
    } else {
        ns.set(PyDict_New());
    }
    if (!ns.p) return nullptr;
    if (!PyMapping_Check(ns.p)) {
        PyErr_Format(PyExc_TypeError, "%.200s.__prepare__() must return a mapping, not %.200s",
                     is_class ? ZRT_TP_NAME((PyTypeObject*)meta.p) : "<metaclass>", ZRT_TP_NAME(Py_TYPE(ns.p)));
        return nullptr;
    }
    Ref cell(needs_classcell ? PyCell_New(nullptr) : nullptr);
    if (needs_classcell && !cell.p) return nullptr;
    if (body(st, ns.p, closure, cell.p) < 0) return nullptr;
    if (bases.p != orig_bases && store_name(ns.p, Ref(PyUnicode_FromString("__orig_bases__")).p, orig_bases) < 0)
        return nullptr;
#if ZRT_LIMITED
    Ref real_cell(cell.p ? real_classcell() : nullptr);
    if (cell.p && (!real_cell.p || PyMapping_SetItemString(ns.p, "__classcell__", real_cell.p) < 0)) return nullptr;
#else
    if (cell.p && PyMapping_SetItemString(ns.p, "__classcell__", cell.p) < 0) return nullptr;
#endif
    if (PyDict_Check(ns.p) && wrap_implicit_methods(ns.p) < 0) return nullptr;
    PyObject* args[] = {name, bases.p, ns.p};
    Ref cls(PyObject_VectorcallDict(meta.p, args, 3, mkw.p));
    if (!cls.p) return nullptr;
#if ZRT_LIMITED
    if (cell.p && copy_classcell(real_cell.p, cell.p) < 0) return nullptr;
#endif
    if (cell.p && PyType_Check(cls.p) && PyCell_GET(cell.p) != cls.p) {
        PyObject* got = PyCell_GET(cell.p);
        if (!got)
            PyErr_Format(PyExc_RuntimeError,
                         "__class__ not set defining %.200R as %.200R. Was __classcell__ propagated to type.__new__?",
                         name, cls.p);
        else
            PyErr_Format(PyExc_TypeError, "__class__ set to %.200R defining %.200R as %.200R", got, name, cls.p);
        return nullptr;
    }
    return cls.release();
}

// super() with no arguments inside a method: super(__class__, <first argument>), with
// CPython's checks in CPython's order. `nargs` is the function's positional parameter count;
// `first` its first parameter's current value (NULL once deleted).
ZRT_INLINE PyObject* super0(PyObject* super_obj, PyObject* classcell, PyObject* first, int nargs) {
    if (super_obj != (PyObject*)&PySuper_Type) return PyObject_CallNoArgs(super_obj);
    if (nargs == 0) {
        PyErr_SetString(PyExc_RuntimeError, "super(): no arguments");
        return nullptr;
    }
    if (!first) {
        PyErr_SetString(PyExc_RuntimeError, "super(): arg[0] deleted");
        return nullptr;
    }
    if (!classcell) {
        PyErr_SetString(PyExc_RuntimeError, "super(): __class__ cell not found");
        return nullptr;
    }
    PyObject* cls = PyCell_GET(classcell);
    if (!cls) {
        PyErr_SetString(PyExc_RuntimeError, "super(): empty __class__ cell");
        return nullptr;
    }
    PyObject* args[] = {cls, first};
    return PyObject_Vectorcall(super_obj, args, 2, nullptr);
}

// super().name(...) (CPython 3.12's LOAD_SUPER_ATTR_METHOD): `name` looked up in the MRO of
// type(first) after __class__, as super's own getattro does, without making the super
// object or a bound method. 1: *out is a method descriptor, to be called with `first`
// prepended; 0: *out is the attribute to call as it is; -1: error (*out NULL). Anything
// unusual (super rebound, the zero-argument checks failing, `first` a class (a classmethod:
// functions found there are not bound) or not an instance of __class__, `__class__` asked
// for, a name no class after __class__ defines, a static type's dict hidden by 3.12+) makes
// the super object as super0 does and asks it.
ZRT_INLINE int super_method(PyObject* super_obj, PyObject* classcell, PyObject* first, int nargs, PyObject* name,
                            PyObject** out) {
    *out = nullptr;
#if !ZRT_LIMITED
    PyObject* type = classcell ? PyCell_GET(classcell) : nullptr;
    if (super_obj == (PyObject*)&PySuper_Type && nargs > 0 && first && type && PyType_Check(type) &&
        !PyType_Check(first) && PyUnicode_CheckExact(name) &&
        PyType_IsSubtype(Py_TYPE(first), (PyTypeObject*)type) &&
        PyUnicode_CompareWithASCIIString(name, "__class__") != 0) {
        PyTypeObject* start = Py_TYPE(first);
        PyObject* mro = start->tp_mro;
        Py_ssize_t n = mro ? PyTuple_GET_SIZE(mro) : 0, i = 0;
        while (i < n && PyTuple_GET_ITEM(mro, i) != type) i++;
        for (i++; i < n; i++) {
            PyObject* dict = ((PyTypeObject*)PyTuple_GET_ITEM(mro, i))->tp_dict;
            if (!dict) break;  // 3.12+: a static type's dict lives elsewhere
            PyObject* res = PyDict_GetItemWithError(dict, name);  // str keys: no code runs
            if (!res) {
                if (PyErr_Occurred()) return -1;
                continue;
            }
            if (PyType_HasFeature(Py_TYPE(res), Py_TPFLAGS_METHOD_DESCRIPTOR)) {
                *out = newref(res);
                return 1;
            }
            descrgetfunc get = Py_TYPE(res)->tp_descr_get;
            *out = get ? get(res, first, (PyObject*)start) : newref(res);
            return *out ? 0 : -1;
        }
    }
#endif
    Ref sup(super0(super_obj, classcell, first, nargs));
    if (!sup.p) return -1;
    return get_method(sup.p, name, out);
}

}  // namespace zrt
