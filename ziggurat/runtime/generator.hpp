// Generators and coroutines of compiled functions.
//
// A compiled generator function returns a zrt generator object holding a heap frame: an
// array of object slots (the function's locals, cells and the temporaries that live across
// a `yield`) and an array of ints (line number, loop/finally state). The generated resume
// function is a state machine: `state` is 0 before the first run, k while suspended at the
// k-th yield, -1 when finished. It returns the yielded value (new reference), or NULL: with
// an error set when an exception escapes, without one when the function returned (the value
// is then in `retval`). send/throw/close/iteration, PEP 479 and yield-from delegation follow
// CPython's genobject.c; the objects are ordinary iterators (and, for coroutines, awaitables
// recognised by collections.abc.Coroutine and asyncio).
#pragma once
#include "ops.hpp"
#include "native.hpp"

namespace zrt {

struct GenObject;
typedef PyObject* (*GenResume)(GenObject* g, PyObject* sent);

enum { GEN_GENERATOR = 0, GEN_COROUTINE = 1, GEN_ASYNCGEN = 2 };

struct GenObject {
    PyObject_VAR_HEAD
    GenResume resume;
    PyObject* func;       // the function object (closure, name, code)
    PyObject* name;
    PyObject* qualname;
    PyObject* retval;
    PyObject* yf;         // the iterator delegated to by yield from / await, while suspended in it
    PyObject* weakreflist;
    PyObject* finalizer; // async generators: the event loop's finalizer hook
    PyObject* frame;     // made on first access of gi_frame / cr_frame / ag_frame
    int hooks_inited;
    int running_async;  // async generators: an asend/athrow step has claimed the generator
    int ag_closed;      // async generators: aclose() started or the body finished
    int state;
    int running;
    int kind;
    int nslots;
    int nints;
    int* ints;
    int nnums;
    Num* nums;            // a plain generator's Num locals (translator/types.py): after the ints
    PyObject* slots[1];   // nslots entries, then the ints, then the Nums
};

ZRT_INLINE Ref& slot(PyObject*& p) { return *reinterpret_cast<Ref*>(&p); }

#if ZRT_LIMITED
// abi3: heap types made at module init (ready_generator_types); the names stay usable as
// the objects they were (&GeneratorType is the type).
static PyTypeObject* GenTypes[4];
#define GeneratorType (*zrt::GenTypes[0])
#define CoroutineType (*zrt::GenTypes[1])
#define CoroWrapperType (*zrt::GenTypes[2])
#define AsyncGenType (*zrt::GenTypes[3])
#else
static PyTypeObject GeneratorType = {PyVarObject_HEAD_INIT(nullptr, 0) "generator"};
static PyTypeObject CoroutineType = {PyVarObject_HEAD_INIT(nullptr, 0) "coroutine"};
static PyTypeObject CoroWrapperType = {PyVarObject_HEAD_INIT(nullptr, 0) "coroutine_wrapper"};
static PyTypeObject AsyncGenType = {PyVarObject_HEAD_INIT(nullptr, 0) "async_generator"};
#endif

ZRT_INLINE bool is_gen(PyObject* o) { return Py_TYPE(o) == &GeneratorType || Py_TYPE(o) == &CoroutineType; }

ZRT_INLINE PyObject* gen_new(PyObject* func, int nslots, int nints, GenResume resume, int kind, int nnums = 0) {
    PyTypeObject* tp = kind == GEN_COROUTINE ? &CoroutineType : kind == GEN_ASYNCGEN ? &AsyncGenType : &GeneratorType;
    static_assert(sizeof(Num) % sizeof(PyObject*) == 0 && alignof(Num) <= alignof(PyObject*), "Nums in pointer units");
    // the variable part holds the slots, then the ints, then the Nums
    Py_ssize_t int_units = ((Py_ssize_t)nints * (Py_ssize_t)sizeof(int) + (Py_ssize_t)sizeof(PyObject*) - 1) /
                           (Py_ssize_t)sizeof(PyObject*);
    Py_ssize_t n = nslots + int_units + (Py_ssize_t)nnums * (Py_ssize_t)(sizeof(Num) / sizeof(PyObject*)) + 1;
    GenObject* g = PyObject_GC_NewVar(GenObject, tp, n);
    if (!g) return nullptr;
    memset((char*)g + sizeof(PyVarObject), 0, offsetof(GenObject, slots) - sizeof(PyVarObject) + n * sizeof(PyObject*));
    g->resume = resume;
    g->func = newref(func);
    g->name = xnewref(func_name(func));
    g->qualname = xnewref(func_qualname(func));
    g->kind = kind;
    g->nslots = nslots;
    g->nints = nints;
    g->ints = (int*)(g->slots + nslots);
    g->nnums = nnums;
    g->nums = (Num*)(g->slots + nslots + int_units);
    for (int i = 0; i < nnums; i++) g->nums[i].k = NUM_OBJ;  // (unbound: no value, no box; zeroed above)
    PyObject_GC_Track((PyObject*)g);
    return (PyObject*)g;
}

ZRT_INLINE PyObject** gen_slots(PyObject* g) { return ((GenObject*)g)->slots; }

// `return value` inside the body (steals value).
ZRT_INLINE PyObject* gen_return(GenObject* g, PyObject* value) {
    Py_XSETREF(g->retval, value);
    g->state = -1;
    return nullptr;
}

ZRT_INLINE PyObject* gen_error(GenObject* g) {
    g->state = -1;
    return nullptr;
}

ZRT_INLINE void gen_clear_frame(GenObject* g) {
    for (int i = 0; i < g->nslots; i++) Py_CLEAR(g->slots[i]);
    for (int i = 0; i < g->nnums; i++) {
        g->nums[i].k = NUM_OBJ;  // (unbound, as the slots are)
        Py_CLEAR(g->nums[i].o);
    }
    Py_CLEAR(g->yf);
}

ZRT_INLINE void set_stop_iteration_value(PyObject* value) {
    if (!PyTuple_Check(value) && !PyExceptionInstance_Check(value)) {
        PyErr_SetObject(PyExc_StopIteration, value);
        return;
    }
    PyObject* e = PyObject_CallOneArg(PyExc_StopIteration, value);
    if (e) {
        PyErr_SetObject(PyExc_StopIteration, e);
        Py_DECREF(e);
    }
}

// Run the body once. `arg` is the sent value, or NULL to raise the pending exception at the
// suspension point. Returns the yielded value, or NULL: finished (*result receives the
// return value, new reference) or error.
ZRT_INLINE PyObject* gen_send_ex(GenObject* g, PyObject* arg, PyObject** result, bool closing = false) {
    const char* what = g->kind == GEN_COROUTINE ? "coroutine" : g->kind == GEN_ASYNCGEN ? "async generator" : "generator";
    *result = nullptr;
    if (g->running) {
        PyErr_Format(PyExc_ValueError, "%s already executing", what);
        return nullptr;
    }
    if (g->state == -1) {
        if (g->kind == GEN_COROUTINE && !closing) {
            PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited coroutine");
        } else if (arg && !closing) {
            *result = newref(Py_None);  // exhausted generator: StopIteration
        }
        return nullptr;
    }
    if (g->state == 0 && arg && arg != Py_None) {
        PyErr_Format(PyExc_TypeError, "can't send non-None value to a just-started %s", what);
        return nullptr;
    }
    g->running = 1;
    PyObject* r = g->resume(g, arg);
    g->running = 0;
    if (r) return r;
    if (g->state != -1) return nullptr;
    PyObject* exc = PyErr_Occurred();
    if (!exc) {
        *result = g->retval ? g->retval : newref(Py_None);
        g->retval = nullptr;
    } else if (PyErr_ExceptionMatches(PyExc_StopIteration) ||
               (g->kind == GEN_ASYNCGEN && PyErr_ExceptionMatches(PyExc_StopAsyncIteration))) {
        // PEP 479: a StopIteration escaping the body becomes RuntimeError
        stop_to_runtime_error(what, !PyErr_ExceptionMatches(PyExc_StopIteration));
    }
    gen_clear_frame(g);
    return nullptr;
}

ZRT_INLINE PyObject* gen_iternext(PyObject* self) {
    PyObject* result;
    PyObject* r = gen_send_ex((GenObject*)self, Py_None, &result);
    if (r) return r;
    if (result) {
        if (result != Py_None) set_stop_iteration_value(result);
        Py_DECREF(result);
    }
    return nullptr;
}

ZRT_INLINE PyObject* gen_send(PyObject* self, PyObject* arg) {
    PyObject* result;
    PyObject* r = gen_send_ex((GenObject*)self, arg, &result);
    if (r) return r;
    if (result) {
        if (result == Py_None) PyErr_SetNone(PyExc_StopIteration);
        else set_stop_iteration_value(result);
        Py_DECREF(result);
    }
    return nullptr;
}

ZRT_INLINE PyObject* gen_close(PyObject* self, PyObject* = nullptr);

ZRT_INLINE int optional_attr(PyObject* o, const char* name, PyObject** out) {
    *out = PyObject_GetAttrString(o, name);
    if (*out) return 1;
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
    PyErr_Clear();
    return 0;
}

// Resume the body with an exception pending (or, with `value`, the delegate's result) and
// turn a return into StopIteration, as throw() must.
ZRT_INLINE PyObject* gen_resume_for_throw(GenObject* g, PyObject* value) {
    PyObject* result;
    PyObject* r = gen_send_ex(g, value, &result);
    if (!r && result) {
        if (result == Py_None) PyErr_SetNone(PyExc_StopIteration);
        else set_stop_iteration_value(result);
        Py_DECREF(result);
    }
    return r;
}

// Raise `exc` inside the generator at its suspension point (the body sees it where it is
// suspended; a delegate of yield from gets it first).
ZRT_INLINE PyObject* gen_throw_exc(GenObject* g, PyObject* exc_value) {
    if (g->yf) {
        PyObject* yf = g->yf;
        Py_INCREF(yf);
        PyObject* ret = nullptr;
        if (PyErr_GivenExceptionMatches(exc_value, PyExc_GeneratorExit)) {
            // close the delegate, then raise GeneratorExit here
            int err = 0;
            g->running = 1;
            if (is_gen(yf)) {
                Ref r(gen_close(yf));
                err = r.p ? 0 : -1;
            } else {
                PyObject* meth = nullptr;
                // A failing lookup of `close` is reported as unraisable and the generator is
                // closed all the same (CPython's gen_close_iter); a failing close() propagates.
                if (optional_attr(yf, "close", &meth) < 0) PyErr_WriteUnraisable(yf);
                if (meth) {
                    Ref r(PyObject_CallNoArgs(meth));
                    Py_DECREF(meth);
                    if (!r.p) err = -1;
                }
            }
            g->running = 0;
            Py_DECREF(yf);
            Py_CLEAR(g->yf);
            if (err < 0) return gen_resume_for_throw(g, nullptr);
            restore_exception(newref(exc_value));
            return gen_resume_for_throw(g, nullptr);
        }
        PyObject* meth = nullptr;
        if (optional_attr(yf, "throw", &meth) < 0) {
            // A failing lookup of `throw` goes to the caller; the generator stays suspended
            // in its delegate, its body sees nothing (CPython's _gen_throw returns there).
            Py_DECREF(yf);
            return nullptr;
        }
        if (meth) {
            g->running = 1;
            ret = PyObject_CallOneArg(meth, exc_value);
            g->running = 0;
            Py_DECREF(meth);
            Py_DECREF(yf);
            if (ret) return ret;  // the delegate yielded: stay suspended in it
            // the delegate finished (StopIteration: its value is the result) or failed;
            // resume the body with that outcome pending at the yield-from point
            Py_CLEAR(g->yf);
            if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
                Ref stop(fetch_exception());
                Ref value(PyObject_GetAttrString(stop.p, "value"));
                if (!value.p) return gen_resume_for_throw(g, nullptr);
                return gen_resume_for_throw(g, value.p);
            }
            return gen_resume_for_throw(g, nullptr);
        }
        Py_DECREF(yf);
        Py_CLEAR(g->yf);
    }
    restore_exception(newref(exc_value));
    return gen_resume_for_throw(g, nullptr);
}

// throw() without the 3.12+ deprecation warning: athrow() has warned already when its
// awaitable throws into the body (agen_throw_body).
ZRT_INLINE PyObject* gen_throw_quiet(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 3) {
        PyErr_Format(PyExc_TypeError, nargs < 1 ? "throw expected at least 1 argument, got %zd"
                                                : "throw expected at most 3 arguments, got %zd", nargs);
        return nullptr;
    }
    PyObject* typ = args[0];
    PyObject* val = nargs > 1 ? args[1] : nullptr;
    PyObject* tb = nargs > 2 ? args[2] : nullptr;
    if (tb == Py_None) tb = nullptr;
    else if (tb && !PyTraceBack_Check(tb)) {
        PyErr_SetString(PyExc_TypeError, "throw() third argument must be a traceback object");
        return nullptr;
    }
    Ref exc;
    if (is_exception_class(typ)) {
        if (val && val != Py_None && PyObject_TypeCheck(val, (PyTypeObject*)typ)) exc.set(newref(val));
        else if (val && val != Py_None) exc.set(PyObject_CallOneArg(typ, val));
        else exc.set(PyObject_CallNoArgs(typ));
        if (exc.p && !PyExceptionInstance_Check(exc.p)) {
            PyErr_Format(PyExc_TypeError, "calling %R should have returned an instance of BaseException, not %s",
                         typ, ZRT_TP_NAME(Py_TYPE(exc.p)));
            exc.clear();
        }
        // an exception that could not be made is raised inside the generator instead
        if (!exc.p) exc.set(fetch_exception());
    } else if (PyExceptionInstance_Check(typ)) {
        if (val && val != Py_None) {
            PyErr_SetString(PyExc_TypeError, "instance exception may not have a separate value");
            return nullptr;
        }
        exc.set(newref(typ));
    } else {
        PyErr_Format(PyExc_TypeError, "exceptions must be classes or instances deriving from BaseException, not %s",
                     ZRT_TP_NAME(Py_TYPE(typ)));
        return nullptr;
    }
    if (tb) PyException_SetTraceback(exc.p, tb);
    return gen_throw_exc((GenObject*)self, exc.p);
}

// gen.throw() / coro.throw(): 3.12 deprecated the 3-argument form (CPython's gen_throw).
ZRT_INLINE PyObject* gen_throw(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    if (ZRT_RUNNING_PY(3, 12) && nargs > 1 && nargs <= 3 &&
        PyErr_WarnEx(PyExc_DeprecationWarning,
                     "the (type, exc, tb) signature of throw() is deprecated, "
                     "use the single-arg signature instead.",
                     1) < 0)
        return nullptr;
    return gen_throw_quiet(self, args, nargs);
}

ZRT_INLINE PyObject* gen_close(PyObject* self, PyObject*) {
    GenObject* g = (GenObject*)self;
    if (g->state == 0) {  // never started: nothing to clean up
        g->state = -1;
        gen_clear_frame(g);
        Py_RETURN_NONE;
    }
    if (g->state == -1) Py_RETURN_NONE;
    Ref exc(PyObject_CallNoArgs(PyExc_GeneratorExit));
    if (!exc.p) return nullptr;
    PyObject* r = gen_throw_exc(g, exc.p);
    if (r) {
        Py_DECREF(r);
        PyErr_Format(PyExc_RuntimeError, "%s ignored GeneratorExit",
                     g->kind == GEN_COROUTINE ? "coroutine" : "generator");
        return nullptr;
    }
    // 3.13: close() returns what the generator returned while handling GeneratorExit
    if (ZRT_RUNNING_PY(3, 13) && PyErr_ExceptionMatches(PyExc_StopIteration)) {
        Ref stop(fetch_exception());
        PyObject* value = PyObject_GetAttrString(stop.p, "value");
        return value;
    }
    if (PyErr_ExceptionMatches(PyExc_StopIteration) || PyErr_ExceptionMatches(PyExc_GeneratorExit)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (!PyErr_Occurred()) Py_RETURN_NONE;
    return nullptr;
}

// A coroutine collected before it ever ran: CPython's RuntimeWarning, through
// warnings._warn_unawaited_coroutine (which adds cr_origin's frames when tracked), else
// directly, as _PyErr_WarnUnawaitedCoroutine does.
ZRT_INLINE void warn_unawaited_coroutine(PyObject* self) {
    PyObject* saved = fetch_exception();
    bool warned = false;
    Ref warnings(PyImport_ImportModule("warnings"));
    Ref fn(warnings.p ? PyObject_GetAttrString(warnings.p, "_warn_unawaited_coroutine") : nullptr);
    if (fn.p) {
        Ref r(PyObject_CallOneArg(fn.p, self));
        warned = r.p || PyErr_ExceptionMatches(PyExc_RuntimeWarning);
    }
    if (PyErr_Occurred()) PyErr_WriteUnraisable(self);
    if (!warned && PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "coroutine '%S' was never awaited",
                                    ((GenObject*)self)->qualname) < 0)
        PyErr_WriteUnraisable(self);
    if (saved) restore_exception(saved);
}

ZRT_INLINE void gen_finalize(PyObject* self) {
    GenObject* g = (GenObject*)self;
    if (g->kind == GEN_COROUTINE && g->state == 0) {
        warn_unawaited_coroutine(self);
        return;
    }
    if (g->state <= 0) return;
    if (g->kind == GEN_ASYNCGEN) {
        // the event loop closes it (asyncio's hook schedules aclose()); without a hook
        // there is nothing to await the cleanup with, as in CPython
        if (g->finalizer) {
            PyObject* saved = fetch_exception();
            Ref r(PyObject_CallOneArg(g->finalizer, self));
            if (!r.p) PyErr_WriteUnraisable(self);
            if (saved) restore_exception(saved);
        }
        return;
    }
    PyObject* saved = fetch_exception();
    Ref r(gen_close(self));
    if (!r.p) PyErr_WriteUnraisable(self);
    if (saved) restore_exception(saved);
}

ZRT_INLINE void gen_dealloc(PyObject* self) {
    GenObject* g = (GenObject*)self;
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
#if ZRT_LIMITED
    // (a coroutine that never ran is finalized too: it warns that it was never awaited)
    bool unawaited = g->kind == GEN_COROUTINE && g->state == 0;
    if ((g->state > 0 || unawaited) && call_finalizer_from_dealloc(self, gen_finalize) < 0) return;  // resurrected
#else
    if (PyObject_CallFinalizerFromDealloc(self) < 0) return;  // resurrected
#endif
    if (g->weakreflist) PyObject_ClearWeakRefs(self);
    gen_clear_frame(g);
    Py_CLEAR(g->func);
    Py_CLEAR(g->name);
    Py_CLEAR(g->qualname);
    Py_CLEAR(g->retval);
    Py_CLEAR(g->finalizer);
    Py_CLEAR(g->frame);
    PyObject_GC_Del(self);
    ZRT_HEAP_TYPE_RELEASE(tp);
}

ZRT_INLINE int gen_traverse(PyObject* self, visitproc visit, void* arg) {
    GenObject* g = (GenObject*)self;
    for (int i = 0; i < g->nslots; i++) Py_VISIT(g->slots[i]);
    for (int i = 0; i < g->nnums; i++) Py_VISIT(g->nums[i].o);
    Py_VISIT(g->func);
    Py_VISIT(g->yf);
    Py_VISIT(g->frame);
    Py_VISIT(g->retval);
    ZRT_VISIT_TYPE(self);
    return 0;
}

ZRT_INLINE int gen_clear(PyObject* self) {
    gen_clear_frame((GenObject*)self);
    Py_CLEAR(((GenObject*)self)->frame);
    return 0;
}

ZRT_INLINE PyObject* gen_repr(PyObject* self) {
    GenObject* g = (GenObject*)self;
    return PyUnicode_FromFormat("<%s object %S at %p>", ZRT_TP_NAME(Py_TYPE(self)), g->qualname, self);
}

ZRT_INLINE PyObject* gen_get_name(PyObject* self, void*) { return newref(((GenObject*)self)->name); }
// cr_origin: where the coroutine was created, when sys.set_coroutine_origin_tracking_depth()
// asks for it. Compiled code has no frames to record, so it is always None.
ZRT_INLINE PyObject* gen_get_origin(PyObject*, void*) { Py_RETURN_NONE; }
ZRT_INLINE PyObject* gen_get_qualname(PyObject* self, void*) { return newref(((GenObject*)self)->qualname); }
ZRT_INLINE PyObject* gen_get_running(PyObject* self, void*) { return bool_obj(((GenObject*)self)->running); }
ZRT_INLINE PyObject* gen_get_suspended(PyObject* self, void*) { return bool_obj(((GenObject*)self)->state > 0); }
// A frame object for introspection (inspect.getgeneratorstate, gi_frame.f_code...): made
// from the function's stub code; None once the generator has finished, as in CPython.
ZRT_INLINE PyObject* gen_get_frame(PyObject* self, void*) {
    GenObject* g = (GenObject*)self;
    if (g->state == -1) Py_RETURN_NONE;
#if ZRT_LIMITED
    if (!g->frame) {
        Ref firstline(PyObject_GetAttrString(PyFunction_GET_CODE(g->func), "co_firstlineno"));
        Ref filename(PyObject_GetAttrString(PyFunction_GET_CODE(g->func), "co_filename"));
        const char* name = PyUnicode_AsUTF8(func_name(g->func));
        if (!firstline.p || !filename.p || !name) return nullptr;
        g->frame = make_named_frame(name, filename.p, (int)PyLong_AsLong(firstline.p), func_globals(g->func));
        if (!g->frame) return nullptr;
    }
#else
    if (!g->frame) {
        PyFunctionObject* f = (PyFunctionObject*)g->func;
        g->frame = (PyObject*)PyFrame_New(PyThreadState_Get(), (PyCodeObject*)f->func_code, f->func_globals, nullptr);
        if (!g->frame) return nullptr;
#if !ZRT_PY(3, 11)
        Py_CLEAR(((PyFrameObject*)g->frame)->f_back);  // see add_traceback
#elif !ZRT_PY(3, 13)
        frame_without_locals(g->frame);
#endif
    }
#if !ZRT_PY(3, 11)
    // 3.10's inspect.getgeneratorstate tells "created" from "suspended" by f_lasti
    ((PyFrameObject*)g->frame)->f_lasti = g->state > 0 ? 0 : -1;
#endif
#endif
    return newref(g->frame);
}

ZRT_INLINE int gen_set_name(PyObject* self, PyObject* value, void* which) {
    if (!value || !PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%s must be set to a string object", which ? "__qualname__" : "__name__");
        return -1;
    }
    GenObject* g = (GenObject*)self;
    if (which) Py_XSETREF(g->qualname, newref(value));
    else Py_XSETREF(g->name, newref(value));
    return 0;
}

// A thrown exception raised at a suspension point inside an except block gets the
// exception being handled there as its __context__ (CPython's _PyErr_ChainStackItem).
ZRT_INLINE void chain_handled() {
    PyObject* exc = fetch_exception();
    if (!exc) return;
    PyObject* handled = get_handled();
    if (handled && handled != exc) PyException_SetContext(exc, handled);
    else Py_XDECREF(handled);
    restore_exception(exc);
}
ZRT_INLINE PyObject* gen_get_code(PyObject* self, void*) {
    return newref(PyFunction_GET_CODE(((GenObject*)self)->func));
}
// gi_yieldfrom/cr_await/ag_await: the delegate only while suspended in `yield from`/`await`.
// While the generator runs - resumed into that delegate, which may look back at it -
// CPython answers None (its _PyGen_yf reads the delegate only at a suspension point); `yf`
// stays set across the resumption, so `running` decides.
ZRT_INLINE PyObject* gen_get_yf(PyObject* self, void*) {
    GenObject* g = (GenObject*)self;
    return newref(g->yf && !g->running ? g->yf : Py_None);
}

// obj.__class__ answers CPython's own generator/coroutine type, so the checks Python code
// makes - isinstance(g, types.GeneratorType), inspect.isgenerator/iscoroutine, `g.__class__
// in {...}` - accept compiled ones (isinstance consults __class__ when type() differs). C
// code that tests the exact type still sees ours, whose layout it must not read.
ZRT_INLINE PyObject* gen_get_class(PyObject* self, void*) {
    int kind = ((GenObject*)self)->kind;
#if ZRT_LIMITED
    return newref(kind == GEN_COROUTINE ? ltypes.coroutine : kind == GEN_ASYNCGEN ? ltypes.async_generator : ltypes.generator);
#else
    PyTypeObject* t = kind == GEN_COROUTINE ? &PyCoro_Type : kind == GEN_ASYNCGEN ? &PyAsyncGen_Type : &PyGen_Type;
    return newref((PyObject*)t);
#endif
}

// Generators have the gi_ attributes, coroutines the cr_ ones, as in CPython (code that
// walks an await chain tells them apart with hasattr(x, "cr_await")).
static PyGetSetDef gen_getset[] = {
    {"__class__", gen_get_class, nullptr, nullptr, nullptr},
    {"__name__", gen_get_name, gen_set_name, nullptr, nullptr},
    {"__qualname__", gen_get_qualname, gen_set_name, nullptr, (void*)1},
    {"gi_running", gen_get_running, nullptr, nullptr, nullptr},
    {"gi_suspended", gen_get_suspended, nullptr, nullptr, nullptr},
    {"gi_frame", gen_get_frame, nullptr, nullptr, nullptr},
    {"gi_code", gen_get_code, nullptr, nullptr, nullptr},
    {"gi_yieldfrom", gen_get_yf, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

static PyGetSetDef coro_getset[] = {
    {"__class__", gen_get_class, nullptr, nullptr, nullptr},
    {"__name__", gen_get_name, gen_set_name, nullptr, nullptr},
    {"__qualname__", gen_get_qualname, gen_set_name, nullptr, (void*)1},
    {"cr_running", gen_get_running, nullptr, nullptr, nullptr},
    {"cr_suspended", gen_get_suspended, nullptr, nullptr, nullptr},
    {"cr_frame", gen_get_frame, nullptr, nullptr, nullptr},
    {"cr_code", gen_get_code, nullptr, nullptr, nullptr},
    {"cr_await", gen_get_yf, nullptr, nullptr, nullptr},
    {"cr_origin", gen_get_origin, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

static PyMethodDef gen_methods[] = {
    {"send", (PyCFunction)gen_send, METH_O, nullptr},
    {"throw", (PyCFunction)(void (*)(void))gen_throw, METH_FASTCALL, nullptr},
    {"close", (PyCFunction)gen_close, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

// coroutine.__await__() returns this wrapper, an iterator over the coroutine.
struct CoroWrapper {
    PyObject_HEAD
    PyObject* coro;
};

ZRT_INLINE PyObject* coro_await(PyObject* self) {
    CoroWrapper* w = PyObject_GC_New(CoroWrapper, &CoroWrapperType);
    if (!w) return nullptr;
    w->coro = newref(self);
    PyObject_GC_Track((PyObject*)w);
    return (PyObject*)w;
}

ZRT_INLINE void cw_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(((CoroWrapper*)self)->coro);
    PyObject_GC_Del(self);
    ZRT_HEAP_TYPE_RELEASE(tp);
}
ZRT_INLINE int cw_traverse(PyObject* self, visitproc visit, void* arg) {
    ZRT_VISIT_TYPE(self);
    Py_VISIT(((CoroWrapper*)self)->coro);
    return 0;
}
ZRT_INLINE PyObject* cw_next(PyObject* self) { return gen_iternext(((CoroWrapper*)self)->coro); }
ZRT_INLINE PyObject* cw_send(PyObject* self, PyObject* arg) { return gen_send(((CoroWrapper*)self)->coro, arg); }
ZRT_INLINE PyObject* cw_throw(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    return gen_throw(((CoroWrapper*)self)->coro, args, n);
}
ZRT_INLINE PyObject* cw_close(PyObject* self, PyObject*) { return gen_close(((CoroWrapper*)self)->coro); }

static PyMethodDef cw_methods[] = {
    {"send", (PyCFunction)cw_send, METH_O, nullptr},
    {"throw", (PyCFunction)(void (*)(void))cw_throw, METH_FASTCALL, nullptr},
    {"close", (PyCFunction)cw_close, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

#if ZRT_LIMITED
ZRT_INLINE int register_generator_abcs();

ZRT_INLINE int ready_generator_types() {
    if (GenTypes[0]) return 0;
    const unsigned long flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
                                Py_TPFLAGS_DISALLOW_INSTANTIATION;
    PyMemberDef members[] = {{"__weaklistoffset__", T_PYSSIZET, offsetof(GenObject, weakreflist), READONLY, nullptr},
                             {nullptr, 0, 0, 0, nullptr}};
#define ZRT_GEN_COMMON_SLOTS                                                                        \
    {Py_tp_dealloc, (void*)gen_dealloc}, {Py_tp_traverse, (void*)gen_traverse}, {Py_tp_clear, (void*)gen_clear}, \
        {Py_tp_repr, (void*)gen_repr}, {Py_tp_methods, (void*)gen_methods},   \
        {Py_tp_finalize, (void*)gen_finalize}, {Py_tp_members, (void*)members}
    PyType_Slot gen_slots[] = {ZRT_GEN_COMMON_SLOTS, {Py_tp_getset, (void*)gen_getset}, {Py_tp_iter, (void*)PyObject_SelfIter},
                               {Py_tp_iternext, (void*)gen_iternext}, {0, nullptr}};
    PyType_Slot coro_slots[] = {ZRT_GEN_COMMON_SLOTS, {Py_tp_getset, (void*)coro_getset},
                                {Py_am_await, (void*)coro_await}, {0, nullptr}};
#undef ZRT_GEN_COMMON_SLOTS
    PyType_Spec gen_spec = {"generator", (int)offsetof(GenObject, slots), (int)sizeof(PyObject*), (unsigned)flags,
                            gen_slots};
    PyType_Spec coro_spec = {"coroutine", (int)offsetof(GenObject, slots), (int)sizeof(PyObject*), (unsigned)flags,
                             coro_slots};
    PyType_Slot cw_slots[] = {{Py_tp_dealloc, (void*)cw_dealloc}, {Py_tp_traverse, (void*)cw_traverse},
                              {Py_tp_iter, (void*)PyObject_SelfIter}, {Py_tp_iternext, (void*)cw_next},
                              {Py_tp_methods, (void*)cw_methods}, {0, nullptr}};
    PyType_Spec cw_spec = {"coroutine_wrapper", (int)sizeof(CoroWrapper), 0, (unsigned)flags, cw_slots};
    if (!(GenTypes[0] = (PyTypeObject*)PyType_FromSpec(&gen_spec))) return -1;
    if (!(GenTypes[1] = (PyTypeObject*)PyType_FromSpec(&coro_spec))) return -1;
    if (!(GenTypes[2] = (PyTypeObject*)PyType_FromSpec(&cw_spec))) return -1;
    return register_generator_abcs();
}
#else
static PyAsyncMethods coro_as_async = {coro_await, nullptr, nullptr
#if ZRT_PY(3, 10)
                                       , nullptr
#endif
};

ZRT_INLINE int register_generator_abcs();

ZRT_INLINE int ready_generator_types() {
    if (GeneratorType.tp_flags & Py_TPFLAGS_READY) return 0;
    PyTypeObject* types[] = {&GeneratorType, &CoroutineType};
    for (PyTypeObject* t : types) {
        t->tp_basicsize = offsetof(GenObject, slots);
        t->tp_itemsize = sizeof(PyObject*);
        t->tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
        t->tp_dealloc = gen_dealloc;
        t->tp_traverse = gen_traverse;
        t->tp_clear = gen_clear;
        t->tp_repr = gen_repr;
        t->tp_weaklistoffset = offsetof(GenObject, weakreflist);
        t->tp_methods = gen_methods;
        t->tp_finalize = gen_finalize;
    }
    GeneratorType.tp_getset = gen_getset;
    CoroutineType.tp_getset = coro_getset;
    GeneratorType.tp_iter = PyObject_SelfIter;
    GeneratorType.tp_iternext = gen_iternext;
    CoroutineType.tp_as_async = &coro_as_async;
    CoroWrapperType.tp_basicsize = sizeof(CoroWrapper);
    CoroWrapperType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
    CoroWrapperType.tp_dealloc = cw_dealloc;
    CoroWrapperType.tp_traverse = cw_traverse;
    CoroWrapperType.tp_iter = PyObject_SelfIter;
    CoroWrapperType.tp_iternext = cw_next;
    CoroWrapperType.tp_methods = cw_methods;
    if (PyType_Ready(&GeneratorType) < 0 || PyType_Ready(&CoroutineType) < 0 ||
        PyType_Ready(&CoroWrapperType) < 0)
        return -1;
    return register_generator_abcs();
}
#endif

ZRT_INLINE int register_generator_abcs() {
    // register with the ABCs (Generator, Coroutine) the way CPython's own types are
    Ref abc(PyImport_ImportModule("_collections_abc"));  // loaded at startup
    if (!abc.p) return -1;
    Ref gen_abc(PyObject_GetAttrString(abc.p, "Generator"));
    Ref coro_abc(PyObject_GetAttrString(abc.p, "Coroutine"));
    if (!gen_abc.p || !coro_abc.p) return -1;
    Ref r1(PyObject_CallMethod(gen_abc.p, "register", "O", (PyObject*)&GeneratorType));
    Ref r2(PyObject_CallMethod(coro_abc.p, "register", "O", (PyObject*)&CoroutineType));
    return r1.p && r2.p ? 0 : -1;
}

// The iterator `await o` delegates to (CPython's _PyCoro_GetAwaitableIter).
ZRT_INLINE PyObject* being_awaited_already() {
    PyErr_SetString(PyExc_RuntimeError, "coroutine is being awaited already");
    return nullptr;
}

// Where an await comes from: its error messages name it, as CPython's do.
enum AwaitContext { AWAIT_PLAIN = 0, AWAIT_AENTER = 1, AWAIT_AEXIT = 2, AWAIT_ANEXT = 3 };

ZRT_INLINE PyObject* get_awaitable_iter_plain(PyObject* o);

ZRT_INLINE PyObject* get_awaitable_iter(PyObject* o, AwaitContext context = AWAIT_PLAIN) {
    PyObject* r = get_awaitable_iter_plain(o);
    if (r || context == AWAIT_PLAIN) return r;
    PyTypeObject* tp = Py_TYPE(o);
    if (context == AWAIT_ANEXT) {
        // GET_ANEXT: the original error becomes the cause
        PyObject* cause = fetch_exception();
        PyErr_Format(PyExc_TypeError, "'async for' received an invalid object from __anext__: %.100s",
                     ZRT_TP_NAME(tp));
        if (cause) {
            PyObject* exc = fetch_exception();
            PyException_SetCause(exc, newref(cause));
            PyException_SetContext(exc, cause);
            restore_exception(exc);
        }
    } else if (!ZRT_AM_AWAIT(tp)) {
        PyErr_Format(PyExc_TypeError,
                     "'async with' received an object from __a%s__ that does not implement __await__: %.100s",
                     context == AWAIT_AENTER ? "enter" : "exit", ZRT_TP_NAME(tp));
    }
    return nullptr;
}

ZRT_INLINE PyObject* get_awaitable_iter_plain(PyObject* o) {
    // a coroutine suspended in an await of its own cannot be awaited a second time. Like
    // CPython's _PyCoro_GetAwaitableIter, `await` drives the coroutine itself (not the
    // coroutine_wrapper __await__ returns), so delegate_step resumes it directly, and its
    // return value never travels in a StopIteration.
    if (Py_TYPE(o) == &CoroutineType) return ((GenObject*)o)->yf ? being_awaited_already() : newref(o);
    if (PyCoro_CheckExact(o)) {
        Ref inner(PyObject_GetAttrString(o, "cr_await"));
        if (!inner.p) return nullptr;
        return inner.p != Py_None ? being_awaited_already() : newref(o);
    }
    unaryfunc getter = ZRT_AM_AWAIT(Py_TYPE(o));
    if (!getter) {
        // a generator-based coroutine (types.coroutine) is awaitable as itself
#if ZRT_LIMITED
        if (Py_TYPE(o) == (PyTypeObject*)ltypes.generator) {
            Ref code(PyObject_GetAttrString(o, "gi_code"));
            Ref flags(code.p ? PyObject_GetAttrString(code.p, "co_flags") : nullptr);
            if (flags.p && (PyLong_AsLong(flags.p) & CO_ITERABLE_COROUTINE)) return newref(o);
            PyErr_Clear();
        }
#else
        if (PyGen_CheckExact(o)) {
            Ref code(PyObject_GetAttrString(o, "gi_code"));
            if (code.p && PyCode_Check(code.p) && (((PyCodeObject*)code.p)->co_flags & CO_ITERABLE_COROUTINE))
                return newref(o);
            PyErr_Clear();
        }
#endif
        PyErr_Format(PyExc_TypeError, "object %.100s can't be used in 'await' expression", ZRT_TP_NAME(Py_TYPE(o)));
        return nullptr;
    }
    PyObject* res = getter(o);
    if (!res) return nullptr;
    if (PyCoro_CheckExact(res) || Py_TYPE(res) == &CoroutineType) {
        PyErr_SetString(PyExc_TypeError, "__await__() returned a coroutine");
        Py_DECREF(res);
        return nullptr;
    }
    if (!PyIter_Check(res)) {
        PyErr_Format(PyExc_TypeError, "__await__() returned non-iterator of type '%.100s'", ZRT_TP_NAME(Py_TYPE(res)));
        Py_DECREF(res);
        return nullptr;
    }
    return res;
}

// One step of `yield from it` / `await`: send `sent` (or, when NULL, the pending exception)
// into the delegate. 1: it yielded (*out); 0: it finished (*out = its return value); -1 error.
ZRT_INLINE int delegate_step(GenObject* g, PyObject* it, PyObject* sent, PyObject** out) {
    *out = nullptr;
    if (!sent) {
        // gen_throw_exc already gave the exception to the delegate; it is raised here
        return -1;
    }
    PyObject* r;
    if (is_gen(it)) {
        PyObject* result;
        r = gen_send_ex((GenObject*)it, sent, &result);
        if (r) {
            *out = r;
            Py_XSETREF(g->yf, newref(it));
            return 1;
        }
        if (result) {
            *out = result;
            Py_CLEAR(g->yf);
            return 0;
        }
        Py_CLEAR(g->yf);
        return -1;
    }
    iternextfunc next = sent == Py_None ? ZRT_TP_ITERNEXT(Py_TYPE(it)) : nullptr;
    if (next) {
        r = next(it);
    } else {
        Ref name(PyUnicode_InternFromString("send"));
        r = name.p ? PyObject_CallMethodOneArg(it, name.p, sent) : nullptr;
    }
    if (r) {
        *out = r;
        Py_XSETREF(g->yf, newref(it));
        return 1;
    }
    Py_CLEAR(g->yf);
    if (!PyErr_Occurred()) {
        *out = newref(Py_None);
        return 0;
    }
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
        Ref stop(fetch_exception());
        *out = PyObject_GetAttrString(stop.p, "value");
        return *out ? 0 : -1;
    }
    return -1;
}

ZRT_INLINE PyObject* yield_from_iter(PyObject* o) {
    if (Py_TYPE(o) == &CoroutineType || PyCoro_CheckExact(o)) {
        PyErr_SetString(PyExc_TypeError, "cannot 'yield from' a coroutine object in a non-coroutine generator");
        return nullptr;
    }
    return PyObject_GetIter(o);
}

}  // namespace zrt

namespace zrt {

// async with: returns the awaitable of __aenter__(); *exit_out receives the bound __aexit__.
ZRT_INLINE PyObject* async_with_enter(PyObject* mgr, PyObject** exit_out) {
    Ref enter(lookup_special(mgr, "__aenter__"));
    if (!enter.p) {
        if (PyErr_Occurred()) return nullptr;
#if ZRT_PY(3, 11)
        PyErr_Format(PyExc_TypeError, "'%.200s' object does not support the asynchronous context manager protocol",
                     ZRT_TP_NAME(Py_TYPE(mgr)));
#else
        PyErr_SetString(PyExc_AttributeError, "__aenter__");
#endif
        return nullptr;
    }
    Ref exit(lookup_special(mgr, "__aexit__"));
    if (!exit.p) {
        if (PyErr_Occurred()) return nullptr;
#if ZRT_PY(3, 11)
        PyErr_Format(PyExc_TypeError,
                     "'%.200s' object does not support the asynchronous context manager protocol (missed __aexit__ method)",
                     ZRT_TP_NAME(Py_TYPE(mgr)));
#else
        PyErr_SetString(PyExc_AttributeError, "__aexit__");
#endif
        return nullptr;
    }
    PyObject* r = PyObject_CallNoArgs(enter.p);
    if (!r) return nullptr;
    *exit_out = exit.release();
    return r;
}

// async for: the asynchronous iterator of o.
ZRT_INLINE PyObject* get_aiter(PyObject* o) {
    Ref aiter(lookup_special(o, "__aiter__"));
    if (!aiter.p) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "'async for' requires an object with __aiter__ method, got %.100s",
                         ZRT_TP_NAME(Py_TYPE(o)));
        return nullptr;
    }
    Ref it(PyObject_CallNoArgs(aiter.p));
    if (!it.p) return nullptr;
    Ref n(PyUnicode_InternFromString("__anext__"));
    if (!n.p) return nullptr;
    if (!type_lookup(Py_TYPE(it.p), n.p)) {
        PyErr_Format(PyExc_TypeError,
                     "'async for' received an object from __aiter__ that does not implement __anext__: %.100s",
                     ZRT_TP_NAME(Py_TYPE(it.p)));
        return nullptr;
    }
    return it.release();
}

ZRT_INLINE PyObject* get_anext(PyObject* it) {
    Ref anext(lookup_special(it, "__anext__"));
    if (!anext.p) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "'async for' requires an iterator with __anext__ method, got %.100s",
                         ZRT_TP_NAME(Py_TYPE(it)));
        return nullptr;
    }
    return PyObject_CallNoArgs(anext.p);
}

// The items of tuple(genexpr) inlined (translator/genexpr_inline.py): kept in a buffer on
// the C stack, then moved into a tuple of the right size - the tuple the builtin would
// build, without the list the inlined loop would otherwise fill and drop.
struct ItemBuffer {
    PyObject* local[16];
    PyObject** items = local;
    Py_ssize_t n = 0;
    Py_ssize_t cap = 16;
    ItemBuffer() = default;
    ItemBuffer(const ItemBuffer&) = delete;
    ItemBuffer& operator=(const ItemBuffer&) = delete;
    ~ItemBuffer() {
        for (Py_ssize_t i = 0; i < n; i++) Py_DECREF(items[i]);
        if (items != local) PyMem_Free(items);
    }
    // append a new reference to o; -1 (MemoryError) when the buffer cannot grow
    int add(PyObject* o) {
        if (n == cap) {
            PyObject** bigger = (PyObject**)PyMem_Malloc(sizeof(PyObject*) * (size_t)cap * 2);
            if (!bigger) {
                PyErr_NoMemory();
                return -1;
            }
            memcpy(bigger, items, sizeof(PyObject*) * (size_t)n);
            if (items != local) PyMem_Free(items);
            items = bigger;
            cap *= 2;
        }
        items[n++] = newref(o);
        return 0;
    }
    // the items as a new tuple (the buffer is left empty)
    PyObject* tuple() {
        PyObject* t = PyTuple_New(n);
        if (!t) return nullptr;
        for (Py_ssize_t i = 0; i < n; i++) PyTuple_SET_ITEM(t, i, items[i]);
        n = 0;
        return t;
    }
};

// The running total of an inlined `sum(genexpr)` whose items are all exact ints (the
// translator inlines only elements made of int constants: hexiom's `sum((1 if v in cell
// else 0) for cell in ...)`): an int64 while it fits, then an int object. Over exact ints
// builtin sum's result is the exact integer sum whichever path it takes (its C long loop,
// then PyNumber_Add after an overflow), so this is too; the generator, its frame and a
// resumption per item (~80 instructions each) are what it saves.
struct IntSum {
    long long acc = 0;
    PyObject* big = nullptr;  // the total once it left int64
    IntSum() = default;
    IntSum(const IntSum&) = delete;
    IntSum& operator=(const IntSum&) = delete;
    ~IntSum() { Py_XDECREF(big); }
    // item: borrowed; -1 with an error set (no memory)
    int add(PyObject* item) {
        long v;
        long long t;
        if (!big && PyLong_CheckExact(item) && small_long_value(item, &v) && !__builtin_add_overflow(acc, (long long)v, &t)) {
            acc = t;
            return 0;
        }
        return add_object(item);
    }
    __attribute__((noinline)) int add_object(PyObject* item) {
        if (!big && !(big = PyLong_FromLongLong(acc))) return -1;
        PyObject* t = PyNumber_Add(big, item);
        if (!t) return -1;
        Py_DECREF(big);
        big = t;
        return 0;
    }
    // the total, a new reference
    PyObject* total() { return big ? newref(big) : PyLong_FromLongLong(acc); }
};

// `for x in reversed(range(a[, b]))` in a generator (translator/gen_loops.py): 1 with
// *cur = the range's end and *stop = its start when reversed and range are the builtins
// and the bounds exact ints an int slot holds with room (the loop then yields --*cur while
// *cur > *stop); 0 for the generic calls.
ZRT_INLINE int reversed_range_start(PyObject* rev, PyObject* rng, PyObject* a, PyObject* b, int* cur, int* stop) {
    if (rev != (PyObject*)&PyReversed_Type || rng != (PyObject*)&PyRange_Type) return 0;
    if (!PyLong_CheckExact(a) || (b && !PyLong_CheckExact(b))) return 0;
    int overflow = 0;
    long lo = 0, hi = PyLong_AsLongAndOverflow(a, &overflow);
    if (overflow) return 0;
    if (b) {
        lo = hi;
        hi = PyLong_AsLongAndOverflow(b, &overflow);
        if (overflow) return 0;
    }
    const long limit = 1L << 30;  // (--cur stays inside an int)
    if (lo < -limit || lo > limit || hi < -limit || hi > limit) return 0;
    *stop = (int)lo;
    *cur = hi > lo ? (int)hi : (int)lo;
    return 1;
}

}  // namespace zrt
