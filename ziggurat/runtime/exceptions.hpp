// Raising, catching and re-raising Python exceptions from generated code, with CPython's
// messages and its handled-exception (sys.exc_info) discipline, for 3.10-3.13.
#pragma once
#include "ref.hpp"
#if !ZRT_LIMITED
#include <frameobject.h>  // PyFrame_New (not in Python.h)
#endif

#if ZRT_PY(3, 13) && !ZRT_LIMITED
// Exported by CPython but declared only in an internal header since 3.13.
extern "C" void _PyTraceback_Add(const char*, const char*, int);
#endif

namespace zrt {

// Take the raised exception out of the indicator: a normalised instance with its traceback.
ZRT_INLINE PyObject* fetch_exception() {
#if ZRT_PY(3, 12)
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (!t) return nullptr;
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb) {
        PyException_SetTraceback(v, tb);
        Py_DECREF(tb);
    }
    Py_DECREF(t);
    return v;
#endif
}

// Put an exception instance back into the indicator (steals the reference).
ZRT_INLINE void restore_exception(PyObject* exc) {
#if ZRT_PY(3, 12)
    PyErr_SetRaisedException(exc);
#else
    PyObject* tb = PyException_GetTraceback(exc);
    PyObject* t = (PyObject*)Py_TYPE(exc);
    Py_INCREF(t);
    PyErr_Restore(t, exc, tb);
#endif
}

// PEP 479: the StopIteration (or, out of an async generator, StopAsyncIteration) raised
// in the indicator leaves a generator body as RuntimeError("<what> raised ..."), with the
// original as its cause and context. Shared by generators and generator expressions
// inlined into their consumer (genexpr_inline.py), which must convert exactly alike.
ZRT_INLINE void stop_to_runtime_error(const char* what, bool async_stop) {
    PyObject* inner = fetch_exception();
    PyErr_Format(PyExc_RuntimeError, "%s raised %s", what, async_stop ? "StopAsyncIteration" : "StopIteration");
    PyObject* outer = fetch_exception();
    PyException_SetCause(outer, newref(inner));
    PyException_SetContext(outer, inner);
    restore_exception(outer);
}

// An error leaving the body of an inlined generator expression: what the generator would
// have turned it into (only a StopIteration changes).
ZRT_INLINE void genexpr_body_error() {
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) stop_to_runtime_error("generator", false);
}

ZRT_INLINE PyObject* get_handled() {
#if ZRT_PY(3, 11)
    return PyErr_GetHandledException();
#else
    PyObject *t, *v, *tb;
    PyErr_GetExcInfo(&t, &v, &tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    if (v == Py_None) {
        Py_DECREF(v);
        return nullptr;
    }
    return v;
#endif
}

ZRT_INLINE void set_handled(PyObject* exc) {  // borrows exc (may be NULL)
#if ZRT_PY(3, 11)
    PyErr_SetHandledException(exc);
#else
    if (!exc || exc == Py_None) {
        PyErr_SetExcInfo(nullptr, nullptr, nullptr);
        return;
    }
    PyObject* t = (PyObject*)Py_TYPE(exc);
    Py_INCREF(t);
    Py_INCREF(exc);
    PyErr_SetExcInfo(t, exc, PyException_GetTraceback(exc));
#endif
}

// While an except/finally block runs, the exception being handled is sys.exc_info();
// leaving the block in any way (fall-through, error, return, break) restores the previous
// one. Errors raised inside get it as __context__ from CPython itself.
struct HandledGuard {
    PyObject* saved;
    explicit HandledGuard(PyObject* exc) : saved(get_handled()) { set_handled(exc); }
    HandledGuard(const HandledGuard&) = delete;
    HandledGuard& operator=(const HandledGuard&) = delete;
    ~HandledGuard() {
        set_handled(saved);
        Py_XDECREF(saved);
    }
};

// Where a compiled code unit (function, class body, module body) appears in tracebacks: a
// frame object made once, from a code object carrying its name and file. Each traceback
// entry then costs one allocation, as in the interpreter, instead of a new code object and
// frame per exception; the entry's line number is set on the entry itself.
struct TbSite {
    const char* name;
    int firstline;
    PyObject* frame;
    // The unit's own frames (frames.hpp): qualified name, lines from firstline the frame
    // code covers, the frame code object (made on first entry), 3.10's spare frame objects
    // (a chain through f_back) and how many there are.
    const char* qualname;
    int nlines;
    PyObject* code;
    PyObject* spare;
    int nspare;
};

#if !ZRT_LIMITED
// The newest traceback entry of the raised exception says `line`, with no instruction
// offset: traceback.py then takes tb_lineno instead of the code object's positions.
ZRT_INLINE void set_traceback_line(int line) {
    PyObject* exc = fetch_exception();
    if (!exc) return;
    PyObject* tb = PyException_GetTraceback(exc);
    if (tb) {
        ((PyTracebackObject*)tb)->tb_lineno = line;
        ((PyTracebackObject*)tb)->tb_lasti = -1;
        Py_DECREF(tb);
    }
    restore_exception(exc);
}
#endif

ZRT_INLINE void add_traceback(TbSite* site, PyObject* globals, PyObject* filename, int line) {
#if ZRT_LIMITED
    // abi3: no PyFrame_New / PyTraceBack_Here; a frame made by running a tiny function named
    // like the site, and the entry made by types.TracebackType (limited.hpp)
    PyObject* exc = fetch_exception();
    if (!exc) return;
    if (!site->frame) {
        site->frame = make_named_frame(site->name, filename, site->firstline, globals);
        if (!site->frame) PyErr_Clear();
    }
    if (site->frame) push_traceback(exc, site->frame, line);
    restore_exception(exc);
#else
    if (!site->frame) {
        PyObject* saved = fetch_exception();
        PyObject* fname = PyUnicode_FromString(site->name);
        PyCodeObject* code = fname ? PyCode_NewEmpty(PyUnicode_AsUTF8(filename), site->name, site->firstline) : nullptr;
        if (code) site->frame = (PyObject*)PyFrame_New(PyThreadState_Get(), code, globals, nullptr);
#if !ZRT_PY(3, 11)
        // 3.10's PyFrame_New links the caller's frame as f_back: a stale reference, dropped
        if (site->frame) Py_CLEAR(((PyFrameObject*)site->frame)->f_back);
#endif
        Py_XDECREF(code);
        Py_XDECREF(fname);
        if (!site->frame) PyErr_Clear();
        restore_exception(saved);
        if (!site->frame) {  // could not build one: the slow, always-working way
            _PyTraceback_Add(site->name, PyUnicode_AsUTF8(filename), line);
            return;
        }
    }
    if (PyTraceBack_Here((PyFrameObject*)site->frame) < 0) return;
    set_traceback_line(line);
#endif
}

ZRT_INLINE bool is_exception_class(PyObject* o) {
    return PyType_Check(o) && PyType_FastSubclass((PyTypeObject*)o, Py_TPFLAGS_BASE_EXC_SUBCLASS);
}

// Instantiate a class given to `raise` / `from`; 0 ok, -1 error.
ZRT_INLINE PyObject* exception_instance(PyObject* o, bool cause) {
    if (is_exception_class(o)) {
        PyObject* inst = PyObject_CallNoArgs(o);
        if (!inst) return nullptr;
        if (!PyExceptionInstance_Check(inst)) {
            PyErr_Format(PyExc_TypeError,
                         cause ? "calling %R should have returned an instance of BaseException, not %s"
                               : "calling %R should have returned an instance of BaseException, not %s",
                         o, ZRT_TP_NAME(Py_TYPE(inst)));
            Py_DECREF(inst);
            return nullptr;
        }
        return inst;
    }
    if (PyExceptionInstance_Check(o)) return newref(o);
    PyErr_SetString(PyExc_TypeError,
                    cause ? "exception causes must derive from BaseException"
                          : "exceptions must derive from BaseException");
    return nullptr;
}

// `raise exc [from cause]`; always returns -1 with the exception set.
ZRT_INLINE int do_raise(PyObject* exc, PyObject* cause) {
    Ref value(exception_instance(exc, false));
    if (!value.p) return -1;
    if (cause) {
        if (cause == Py_None) {
            PyException_SetCause(value.p, nullptr);
#if ZRT_LIMITED
            if (PyObject_SetAttrString(value.p, "__suppress_context__", Py_True) < 0) return -1;
#else
            ((PyBaseExceptionObject*)value.p)->suppress_context = 1;
#endif
        } else {
            PyObject* c = exception_instance(cause, true);
            if (!c) return -1;
            PyException_SetCause(value.p, c);  // steals c, sets __suppress_context__
        }
    }
    PyErr_SetObject((PyObject*)Py_TYPE(value.p), value.p);
    return -1;
}

// A bare `raise`: re-raise the exception being handled.
ZRT_INLINE int reraise() {
    PyObject* exc = get_handled();
    if (!exc) {
        PyErr_SetString(PyExc_RuntimeError, "No active exception to reraise");
        return -1;
    }
    restore_exception(exc);
    return -1;
}

// `except T:` test; 1 match, 0 no match, -1 error (T is not an exception class).
ZRT_INLINE int exception_matches(PyObject* exc, PyObject* types) {
    if (PyTuple_Check(types)) {
        Py_ssize_t n = PyTuple_GET_SIZE(types);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!is_exception_class(PyTuple_GET_ITEM(types, i))) goto bad;
        }
    } else if (!is_exception_class(types)) {
        goto bad;
    }
    return PyErr_GivenExceptionMatches(exc, types);
bad:
    PyErr_SetString(PyExc_TypeError,
                    "catching classes that do not inherit from BaseException is not allowed");
    return -1;
}

ZRT_INLINE void unbound_local(const char* name) {
#if ZRT_PY(3, 11)
    PyErr_Format(PyExc_UnboundLocalError,
                 "cannot access local variable '%s' where it is not associated with a value", name);
#else
    PyErr_Format(PyExc_UnboundLocalError, "local variable '%s' referenced before assignment", name);
#endif
}

ZRT_INLINE void unbound_free(const char* name) {
#if ZRT_PY(3, 11)
    PyErr_Format(PyExc_NameError,
                 "cannot access free variable '%s' where it is not associated with a value in "
                 "enclosing scope",
                 name);
#else
    PyErr_Format(PyExc_NameError,
                 "free variable '%s' referenced before assignment in enclosing scope", name);
#endif
}

ZRT_INLINE void name_error(PyObject* name) {
    PyErr_Format(PyExc_NameError, "name '%U' is not defined", name);
#if ZRT_PY(3, 10)
    // Since 3.10 NameError carries .name (used for "Did you mean" suggestions).
    PyObject* exc = fetch_exception();
    if (exc) {
        PyObject_SetAttrString(exc, "name", name);
        restore_exception(exc);
    }
#endif
}

ZRT_INLINE PyObject* assertion_error(PyObject* msg) {  // always NULL
    if (msg) {
        PyObject* e = PyObject_CallOneArg(PyExc_AssertionError, msg);
        if (e) {
            PyErr_SetObject(PyExc_AssertionError, e);
            Py_DECREF(e);
        }
    } else {
        PyErr_SetNone(PyExc_AssertionError);
    }
    return nullptr;
}

}  // namespace zrt
