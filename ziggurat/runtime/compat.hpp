// The one switch point between the two ABI modes of a compiled module.
//
//  * version-specific (no Py_LIMITED_API): the full C API of the headers' CPython; the
//    accessors below are the plain field reads and macros, so this costs nothing.
//  * abi3 (`-DPy_LIMITED_API=0x030B0000` or later, see toolchains/flags.py): only the
//    stable ABI of that version, so one module loads on every later CPython. What the
//    limited API lacks is provided here: the macros the runtime uses (PyTuple_GET_ITEM...)
//    as the functions they stand for, type-slot reads through PyType_GetSlot, and vectorcall
//    (stable only from 3.12) through PyObject_Call. Whole objects whose layout is private
//    (function, cell, traceback, frame) have their own limited path in limited.hpp.
//
// Under the limited API, ZRT_PY(maj, min) answers for the limited API version (what may be
// called); behaviour that differs between the interpreters a module may run on is asked at
// run time with ZRT_RUNNING_PY(maj, min).
#pragma once
#include <Python.h>
#include <string.h>

#define ZRT_INLINE static inline

#ifdef Py_LIMITED_API
#if Py_LIMITED_API + 0 < 0x030B0000
#error "ziggurat's runtime needs the limited API of CPython 3.11 or later (Py_Version, PyType_GetSlot on static types)"
#endif
#define ZRT_LIMITED 1
#define ZRT_PY(maj, min) (Py_LIMITED_API + 0 >= (((maj) << 24) | ((min) << 16)))
#define ZRT_RUNNING_PY(maj, min) (Py_Version >= (unsigned long)(((maj) << 24) | ((min) << 16)))
#else
#define ZRT_LIMITED 0
#define ZRT_PY(maj, min) (PY_VERSION_HEX >= (((maj) << 24) | ((min) << 16)))
#define ZRT_RUNNING_PY(maj, min) ZRT_PY(maj, min)
#endif

// Instances of heap types (abi3 builds make every runtime type with PyType_FromSpec) hold a
// reference to their type: released after the object, and visited by the GC.
#if ZRT_LIMITED
#define ZRT_HEAP_TYPE_RELEASE(tp) Py_DECREF(tp)
#define ZRT_VISIT_TYPE(self) Py_VISIT((PyObject*)Py_TYPE(self))
#else
#define ZRT_HEAP_TYPE_RELEASE(tp) ((void)(tp))
#define ZRT_VISIT_TYPE(self) ((void)0)
#endif

#if !ZRT_LIMITED
// Type slots, read as fields.
#define ZRT_TP_NAME(t) ((t)->tp_name)
#define ZRT_TP_FLAGS(t) ((t)->tp_flags)
#define ZRT_TP_ITER(t) ((t)->tp_iter)
#define ZRT_TP_ITERNEXT(t) ((t)->tp_iternext)
#define ZRT_TP_DESCR_GET(t) ((t)->tp_descr_get)
#define ZRT_AM_AWAIT(t) ((t)->tp_as_async ? (t)->tp_as_async->am_await : nullptr)
#else
// Type slots through PyType_GetSlot (3.10+ accepts static types too).
#define ZRT_TP_FLAGS(t) PyType_GetFlags(t)
#define ZRT_TP_ITER(t) ((getiterfunc)PyType_GetSlot((t), Py_tp_iter))
#define ZRT_TP_ITERNEXT(t) ((iternextfunc)PyType_GetSlot((t), Py_tp_iternext))
#define ZRT_TP_DESCR_GET(t) ((descrgetfunc)PyType_GetSlot((t), Py_tp_descr_get))
#define ZRT_AM_AWAIT(t) ((unaryfunc)PyType_GetSlot((t), Py_am_await))
// tp_name, as CPython's messages print it: "module.Name" for static (C) types outside
// builtins, the bare name for classes. The text lives until the end of the full expression.
#define ZRT_TP_NAME(t) (zrt::TypeName(t).c)

// Macros of the full API, as the functions they stand for (bounds- and type-checked).
#define PyTuple_GET_ITEM(t, i) PyTuple_GetItem((t), (i))
#define PyTuple_GET_SIZE(t) PyTuple_Size(t)
#define PyTuple_SET_ITEM(t, i, v) PyTuple_SetItem((t), (i), (v))
#define PyList_GET_ITEM(l, i) PyList_GetItem((l), (i))
#define PyList_GET_SIZE(l) PyList_Size(l)
#define PyList_SET_ITEM(l, i, v) PyList_SetItem((l), (i), (v))
#define PyUnicode_READ_CHAR(u, i) PyUnicode_ReadChar((u), (i))
#define PyUnicode_AsUTF8(u) PyUnicode_AsUTF8AndSize((u), nullptr)
#define Py_XSETREF(dst, src)            \
    do {                                \
        PyObject* zrt_old_ = (PyObject*)(dst); \
        (dst) = (src);                  \
        Py_XDECREF(zrt_old_);           \
    } while (0)
// Code flags (values fixed since 3.0; inspect documents them).
#define CO_OPTIMIZED 0x0001
#define CO_NEWLOCALS 0x0002
#define CO_VARARGS 0x0004
#define CO_VARKEYWORDS 0x0008
#define CO_NESTED 0x0010
#define CO_GENERATOR 0x0020
#define CO_COROUTINE 0x0080
#define CO_ITERABLE_COROUTINE 0x0100
#define CO_ASYNC_GENERATOR 0x0200
// Type flags the runtime reads (same values in every CPython that has them).
#ifndef Py_TPFLAGS_SEQUENCE
#define Py_TPFLAGS_SEQUENCE (1UL << 5)
#define Py_TPFLAGS_MAPPING (1UL << 6)
#endif

#if !ZRT_PY(3, 12)
// Vectorcall is a stable ABI only from 3.12. The protocol itself exists in every supported
// interpreter: a type that sets the flag and the offset is called through it by CPython;
// this runtime calls others through PyObject_Call (see zrt::vectorcall in limited.hpp).
// (Newer headers declare some of these even for an older limited API: same definitions,
// guarded; PyVectorcall_NARGS, a function there, is the inline expression here.)
typedef PyObject* (*vectorcallfunc)(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames);
#ifndef PY_VECTORCALL_ARGUMENTS_OFFSET
#define PY_VECTORCALL_ARGUMENTS_OFFSET ((size_t)1 << (8 * sizeof(size_t) - 1))
#endif
#ifndef Py_TPFLAGS_HAVE_VECTORCALL
#define Py_TPFLAGS_HAVE_VECTORCALL (1UL << 11)
#endif
#define PyVectorcall_NARGS(n) ((Py_ssize_t)((size_t)(n) & ~PY_VECTORCALL_ARGUMENTS_OFFSET))
#define PyObject_Vectorcall(f, a, n, k) zrt::vectorcall((f), (a), (n), (k))
#endif
#define PyObject_VectorcallDict(f, a, n, d) zrt::vectorcall_dict((f), (a), (n), (d))
#define PyObject_CallOneArg(f, a) zrt::call_one_arg((f), (a))
#define PyObject_CallMethodOneArg(o, name, a) zrt::call_method_one_arg((o), (name), (a))
#endif  // ZRT_LIMITED
