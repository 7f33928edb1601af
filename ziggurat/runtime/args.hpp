// Binding a vectorcall's arguments to a compiled function's parameters, with CPython's
// rules, order of checks and messages. Defaults are read from the function object at call
// time, so assigning __defaults__ / __kwdefaults__ works as it does for Python functions.
#pragma once
#include "ref.hpp"

namespace zrt {

enum { ARG_VARARGS = 1, ARG_VARKW = 2 };

struct ArgSpec {
    int argcount;  // positional parameters, positional-only ones included
    int posonly;
    int kwonly;
    int flags;            // ARG_VARARGS | ARG_VARKW
    PyObject** names;     // argcount + kwonly interned names (filled at module init)
};

ZRT_INLINE PyObject* join_names(PyObject** names, Py_ssize_t n) {
    // 'a' / 'a' and 'b' / 'a', 'b', and 'c'
    Ref parts(PyList_New(0));
    if (!parts.p) return nullptr;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject* r = PyObject_Repr(names[i]);
        if (!r || PyList_Append(parts.p, r) < 0) {
            Py_XDECREF(r);
            return nullptr;
        }
        Py_DECREF(r);
    }
    if (n == 1) return newref(PyList_GET_ITEM(parts.p, 0));
    if (n == 2) return PyUnicode_FromFormat("%U and %U", PyList_GET_ITEM(parts.p, 0), PyList_GET_ITEM(parts.p, 1));
    Ref head(PyList_GetSlice(parts.p, 0, n - 1));
    Ref sep(PyUnicode_FromString(", "));
    if (!head.p || !sep.p) return nullptr;
    Ref joined(PyUnicode_Join(sep.p, head.p));
    if (!joined.p) return nullptr;
    return PyUnicode_FromFormat("%U, and %U", joined.p, PyList_GET_ITEM(parts.p, n - 1));
}

ZRT_INLINE void missing_args(PyObject* qualname, PyObject** missing, Py_ssize_t n, const char* kind) {
    Ref list(join_names(missing, n));
    if (!list.p) return;
    PyErr_Format(PyExc_TypeError, "%U() missing %zd required %s argument%s: %U", qualname, n, kind,
                 n == 1 ? "" : "s", list.p);
}

// Bind; `out` receives argcount + kwonly (+1 for *args) (+1 for **kwargs) new references.
// Returns 0, or -1 with an error set (then every slot of `out` is NULL or owned; the caller
// releases them through its Refs).
// The general binder (keywords, defaults, *args, **kwargs, errors), out of line: see bind_args.
static __attribute__((noinline)) int bind_args_general(PyObject* func, const ArgSpec& s, PyObject* const* args,
                                                       size_t nargsf, PyObject* kwnames, PyObject** out) {
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    int total = s.argcount + s.kwonly;
    int slot_varargs = (s.flags & ARG_VARARGS) ? total : -1;
    int slot_varkw = (s.flags & ARG_VARKW) ? total + (slot_varargs >= 0) : -1;
    PyObject* qualname = func_qualname(func);

    Py_ssize_t m = n < s.argcount ? n : s.argcount;
    for (Py_ssize_t i = 0; i < m; i++) out[i] = newref(args[i]);
    if (slot_varargs >= 0) {
        out[slot_varargs] = n > s.argcount ? PyTuple_New(n - s.argcount) : PyTuple_New(0);
        if (!out[slot_varargs]) return -1;
        for (Py_ssize_t i = s.argcount; i < n; i++)
            PyTuple_SET_ITEM(out[slot_varargs], i - s.argcount, newref(args[i]));
    }
    if (slot_varkw >= 0) {
        out[slot_varkw] = PyDict_New();
        if (!out[slot_varkw]) return -1;
    }
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject* key = PyTuple_GET_ITEM(kwnames, k);
        PyObject* value = args[n + k];
        int j = -1;
        for (int i = s.posonly; i < total; i++)
            if (s.names[i] == key) { j = i; break; }
        if (j < 0) {
            for (int i = s.posonly; i < total; i++) {
                int eq = PyUnicode_Compare(s.names[i], key) == 0;
                if (eq) { j = i; break; }
            }
            if (PyErr_Occurred()) return -1;
        }
        if (j < 0) {
            if (slot_varkw >= 0) {
                if (PyDict_SetItem(out[slot_varkw], key, value) < 0) return -1;
                continue;
            }
            // positional-only parameters passed by keyword get their own message
            Ref posonly_given(PyList_New(0));
            if (!posonly_given.p) return -1;
            for (Py_ssize_t kk = 0; kk < nkw; kk++) {
                PyObject* kn = PyTuple_GET_ITEM(kwnames, kk);
                for (int i = 0; i < s.posonly; i++)
                    if (PyUnicode_Compare(s.names[i], kn) == 0) {
                        if (PyList_Append(posonly_given.p, kn) < 0) return -1;
                        break;
                    }
            }
            if (PyList_GET_SIZE(posonly_given.p) > 0) {
                Ref sep(PyUnicode_FromString(", "));
                Ref joined(sep.p ? PyUnicode_Join(sep.p, posonly_given.p) : nullptr);
                if (joined.p)
                    PyErr_Format(PyExc_TypeError,
                                 "%U() got some positional-only arguments passed as keyword arguments: '%U'",
                                 qualname, joined.p);
                return -1;
            }
            PyErr_Format(PyExc_TypeError, "%U() got an unexpected keyword argument '%S'", qualname, key);
            return -1;
        }
        if (out[j]) {
            PyErr_Format(PyExc_TypeError, "%U() got multiple values for argument '%S'", qualname, key);
            return -1;
        }
        out[j] = newref(value);
    }
    PyObject* defaults = PyFunction_GET_DEFAULTS(func);
    Py_ssize_t ndef = defaults ? PyTuple_GET_SIZE(defaults) : 0;
    if (n > s.argcount && slot_varargs < 0) {
        Py_ssize_t kwonly_given = 0;
        for (int i = s.argcount; i < total; i++)
            if (out[i]) kwonly_given++;
        Ref sig(ndef ? PyUnicode_FromFormat("from %zd to %d", s.argcount - ndef, s.argcount)
                     : PyUnicode_FromFormat("%d", s.argcount));
        if (!sig.p) return -1;
        int plural = ndef ? 1 : s.argcount != 1;
        Ref kwsig(kwonly_given
                      ? PyUnicode_FromFormat(" positional argument%s (and %zd keyword-only argument%s)",
                                             n != 1 ? "s" : "", kwonly_given, kwonly_given != 1 ? "s" : "")
                      : PyUnicode_FromString(""));
        if (!kwsig.p) return -1;
        PyErr_Format(PyExc_TypeError, "%U() takes %U positional argument%s but %zd%U %s given", qualname,
                     sig.p, plural ? "s" : "", n, kwsig.p, n == 1 && !kwonly_given ? "was" : "were");
        return -1;
    }
    if (n < s.argcount) {
        Py_ssize_t first_default = s.argcount - ndef;
        PyObject* missing[64];
        Py_ssize_t nmissing = 0;
        for (int i = (int)n; i < s.argcount; i++) {
            if (out[i]) continue;
            if (i >= first_default) {
                out[i] = newref(PyTuple_GET_ITEM(defaults, i - first_default));
            } else if (nmissing < 64) {
                missing[nmissing++] = s.names[i];
            }
        }
        if (nmissing) {
            missing_args(qualname, missing, nmissing, "positional");
            return -1;
        }
    }
    if (s.kwonly) {
        PyObject* kwdefaults = PyFunction_GET_KW_DEFAULTS(func);
        PyObject* missing[64];
        Py_ssize_t nmissing = 0;
        for (int i = s.argcount; i < total; i++) {
            if (out[i]) continue;
            PyObject* d = kwdefaults ? PyDict_GetItemWithError(kwdefaults, s.names[i]) : nullptr;
            if (d) {
                out[i] = newref(d);
            } else {
                if (PyErr_Occurred()) return -1;
                if (nmissing < 64) missing[nmissing++] = s.names[i];
            }
        }
        if (nmissing) {
            missing_args(qualname, missing, nmissing, "keyword-only");
            return -1;
        }
    }
    return 0;
}

// The common call, exactly the positional parameters and nothing else to bind, is a few
// inlined copies in the function's entry; every other call takes the general binder. (Out
// of line as a whole, the binder's prologue and epilogue cost ~50 instructions per method
// call of deltablue, more than the copies.)
static inline __attribute__((always_inline)) int bind_args(PyObject* func, const ArgSpec& s, PyObject* const* args,
                                                           size_t nargsf, PyObject* kwnames, PyObject** out) {
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (__builtin_expect(!kwnames && n == s.argcount && !s.kwonly && !s.flags, 1)) {
        for (Py_ssize_t i = 0; i < n; i++) out[i] = newref(args[i]);
        return 0;
    }
    return bind_args_general(func, s, args, nargsf, kwnames, out);
}

// bind_args for a function whose parameters are all positional (no keyword-only ones, no
// *args or **kwargs; the translator knows it): the count is a constant, so the exact call is
// one compare and N increfs (bind_args reads the spec's counts and flags from the mutable
// FuncSpec and loops: ~29 instructions per method call of richards, 1-3 arguments). Fewer
// positional arguments whose missing ones all have defaults (read from the function now, as
// bind_args_general does) are bound here too: go's calls that leave out a defaulted
// parameter took the general binder, ~126 instructions each.
template <int N>
static inline __attribute__((always_inline)) int bind_positional(PyObject* func, const ArgSpec& s,
                                                                 PyObject* const* args, size_t nargsf,
                                                                 PyObject* kwnames, PyObject** out) {
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (__builtin_expect(!kwnames && n == N, 1)) {
        for (int i = 0; i < N; i++) out[i] = newref(args[i]);
        return 0;
    }
    if (!kwnames && n < N) {
        PyObject* defaults = PyFunction_GET_DEFAULTS(func);
        Py_ssize_t first_default = N - (defaults ? PyTuple_GET_SIZE(defaults) : 0);
        if (n >= first_default) {
            for (Py_ssize_t i = 0; i < n; i++) out[i] = newref(args[i]);
            for (Py_ssize_t i = n; i < N; i++) out[i] = newref(PyTuple_GET_ITEM(defaults, i - first_default));
            return 0;
        }
    }
    return bind_args_general(func, s, args, nargsf, kwnames, out);
}

}  // namespace zrt
