// Async generators of compiled functions (async def with yield), after CPython's
// genobject.c: the body runs like a coroutine whose plain `yield`s come out wrapped, so
// the awaitables returned by __anext__/asend/athrow/aclose can tell a value for the
// `async for` from a value an inner `await` passes to the event loop.
#pragma once
#include "generator.hpp"

namespace zrt {

struct AsyncGenValue {
    PyObject_HEAD
    PyObject* value;
};
struct ASend {  // __anext__() / asend(v)
    PyObject_HEAD
    GenObject* gen;
    PyObject* sendval;
    int state;  // 0 new, 1 running, 2 done
};
struct AThrow {  // athrow(...) / aclose()
    PyObject_HEAD
    GenObject* gen;
    PyObject* args;  // athrow()'s arguments as a tuple, checked when thrown; NULL: aclose()
    int state;
};

#if ZRT_LIMITED
static PyTypeObject* AsyncTypes[3];  // heap types, made by ready_asyncgen_types
#define AsyncGenValueType (*zrt::AsyncTypes[0])
#define ASendType (*zrt::AsyncTypes[1])
#define AThrowType (*zrt::AsyncTypes[2])
#else
static PyTypeObject AsyncGenValueType = {PyVarObject_HEAD_INIT(nullptr, 0) "async_generator_wrapped_value"};
static PyTypeObject ASendType = {PyVarObject_HEAD_INIT(nullptr, 0) "async_generator_asend"};
static PyTypeObject AThrowType = {PyVarObject_HEAD_INIT(nullptr, 0) "async_generator_athrow"};
#endif

// `yield v` in an async generator (steals v).
ZRT_INLINE PyObject* asyncgen_wrap(PyObject* v) {
    AsyncGenValue* w = PyObject_New(AsyncGenValue, &AsyncGenValueType);
    if (!w) {
        Py_DECREF(v);
        return nullptr;
    }
    w->value = v;
    return (PyObject*)w;
}

ZRT_INLINE void agv_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    Py_CLEAR(((AsyncGenValue*)self)->value);
    PyObject_Free(self);
    ZRT_HEAP_TYPE_RELEASE(tp);
}

// First iteration: the event loop's hooks (sys.set_asyncgen_hooks) learn about the generator.
ZRT_INLINE int asyncgen_init_hooks(GenObject* g) {
    if (g->hooks_inited) return 0;
    g->hooks_inited = 1;
    Ref sys(PyImport_ImportModule("sys"));
    Ref hooks(sys.p ? PyObject_CallMethod(sys.p, "get_asyncgen_hooks", nullptr) : nullptr);
    if (!hooks.p) return -1;
    Ref firstiter(PySequence_GetItem(hooks.p, 0));
    Ref finalizer(PySequence_GetItem(hooks.p, 1));
    if (!firstiter.p || !finalizer.p) return -1;
    if (finalizer.p != Py_None) Py_XSETREF(g->finalizer, finalizer.release());
    if (firstiter.p != Py_None) {
        Ref r(PyObject_CallOneArg(firstiter.p, (PyObject*)g));
        if (!r.p) return -1;
    }
    return 0;
}

// One step's outcome seen from the awaitable (CPython's async_gen_unwrap_value): a wrapped
// value completes the step (StopIteration carrying the value), anything else goes to the
// event loop; an error or the end of the body completes it too (StopAsyncIteration when the
// body finished). A completed step gives up its claim on the generator (running_async).
ZRT_INLINE PyObject* agen_unwrap(GenObject* g, PyObject* r) {
    if (!r) {
        if (!PyErr_Occurred()) PyErr_SetNone(PyExc_StopAsyncIteration);
        if (PyErr_ExceptionMatches(PyExc_StopAsyncIteration) || PyErr_ExceptionMatches(PyExc_GeneratorExit))
            g->ag_closed = 1;
        g->running_async = 0;
        return nullptr;
    }
    if (Py_TYPE(r) != &AsyncGenValueType) return r;
    g->running_async = 0;
    PyObject* v = ((AsyncGenValue*)r)->value;
    if (v == Py_None) PyErr_SetNone(PyExc_StopIteration);
    else set_stop_iteration_value(v);
    Py_DECREF(r);
    return nullptr;
}

// gen.send() of the body: a `return` (the body finished) becomes NULL with no error set.
ZRT_INLINE PyObject* agen_send_body(GenObject* g, PyObject* arg) {
    PyObject* result = nullptr;
    PyObject* r = gen_send_ex(g, arg, &result);
    if (!r && result) Py_DECREF(result);
    return r;
}

// gen.throw() into the body: StopIteration out of it means the body finished.
ZRT_INLINE PyObject* agen_throw_body(GenObject* g, PyObject* const* args, Py_ssize_t n) {
    PyObject* r = gen_throw_quiet((PyObject*)g, args, n);
    if (!r && PyErr_ExceptionMatches(PyExc_StopIteration)) PyErr_Clear();
    return r;
}

ZRT_INLINE PyObject* already_running(const char* method) {
    PyErr_Format(PyExc_RuntimeError, "%s(): asynchronous generator is already running", method);
    return nullptr;
}

// close() of an asend/athrow awaitable (3.13): throw GeneratorExit in; a body that catches
// it and suspends again has ignored it.
ZRT_INLINE PyObject* awaitable_close(PyObject* self, PyObject* (*throw_fn)(PyObject*, PyObject* const*, Py_ssize_t)) {
    PyObject* exit_type = PyExc_GeneratorExit;
    PyObject* r = throw_fn(self, &exit_type, 1);
    if (r) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_RuntimeError, "coroutine ignored GeneratorExit");
        return nullptr;
    }
    if (PyErr_ExceptionMatches(PyExc_StopIteration) || PyErr_ExceptionMatches(PyExc_StopAsyncIteration) ||
        PyErr_ExceptionMatches(PyExc_GeneratorExit)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return nullptr;
}

ZRT_INLINE PyObject* asend_send(PyObject* self, PyObject* arg) {
    ASend* o = (ASend*)self;
    GenObject* g = o->gen;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
        return nullptr;
    }
    if (o->state == 0) {
        if (g->running_async) {
            if (ZRT_RUNNING_PY(3, 13)) o->state = 2;
            return already_running("anext");
        }
        if (!arg || arg == Py_None) arg = o->sendval;
        o->state = 1;
        if (asyncgen_init_hooks(g) < 0) return nullptr;
    }
    g->running_async = 1;
    PyObject* r = agen_unwrap(g, agen_send_body(g, arg ? arg : Py_None));
    if (!r) o->state = 2;
    return r;
}

ZRT_INLINE PyObject* asend_iternext(PyObject* self) { return asend_send(self, Py_None); }

ZRT_INLINE PyObject* asend_throw(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    ASend* o = (ASend*)self;
    GenObject* g = o->gen;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
        return nullptr;
    }
    if (ZRT_RUNNING_PY(3, 13) && o->state == 0) {
        if (g->running_async) {
            o->state = 2;
            return already_running("anext");
        }
        o->state = 1;
        g->running_async = 1;
    }
    PyObject* r = agen_unwrap(g, agen_throw_body(g, args, n));
    if (!r) o->state = 2;
    return r;
}

ZRT_INLINE PyObject* asend_close(PyObject* self, PyObject*) {
    if (ZRT_RUNNING_PY(3, 13)) {
        if (((ASend*)self)->state == 2) Py_RETURN_NONE;
        return awaitable_close(self, asend_throw);
    }
    ((ASend*)self)->state = 2;
    Py_RETURN_NONE;
}

// aclose() mode: the step ends by an error; a completed aclose() is StopIteration. Before
// 3.13 an error out of throw() left the awaitable (and the generator's claim) as they were.
ZRT_INLINE PyObject* aclose_outcome(AThrow* o, PyObject* r, bool from_throw = false) {
    GenObject* g = o->gen;
    if (r) {
        if (Py_TYPE(r) != &AsyncGenValueType) return r;  // an inner await's value
        Py_DECREF(r);
        g->running_async = 0;
        o->state = 2;
        PyErr_SetString(PyExc_RuntimeError, "async generator ignored GeneratorExit");
        return nullptr;
    }
    if (!from_throw || ZRT_RUNNING_PY(3, 13)) {
        g->running_async = 0;
        o->state = 2;
    }
    if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_StopAsyncIteration) ||
        PyErr_ExceptionMatches(PyExc_GeneratorExit)) {
        PyErr_Clear();
        PyErr_SetNone(PyExc_StopIteration);
    }
    return nullptr;
}

// athrow() takes 1 to 3 arguments, checked when they are thrown in, as CPython does.
ZRT_INLINE bool athrow_arg_count_error(Py_ssize_t n) {
    if (n < 1) PyErr_SetString(PyExc_TypeError, "athrow expected at least 1 argument, got 0");
    else if (n > 3) PyErr_Format(PyExc_TypeError, "athrow expected at most 3 arguments, got %zd", n);
    return n < 1 || n > 3;
}

ZRT_INLINE PyObject* athrow_send(PyObject* self, PyObject* arg) {
    AThrow* o = (AThrow*)self;
    GenObject* g = o->gen;
    bool closing = o->args == nullptr;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
        return nullptr;
    }
    if (g->state == -1) {  // the body has finished
        o->state = 2;
        PyErr_SetNone(PyExc_StopIteration);
        return nullptr;
    }
    if (o->state == 0) {
        if (g->running_async) {
            o->state = 2;
            return already_running(closing ? "aclose" : "athrow");
        }
        if (g->ag_closed) {
            o->state = 2;
            PyErr_SetNone(PyExc_StopAsyncIteration);
            return nullptr;
        }
        if (arg && arg != Py_None) {
            PyErr_SetString(PyExc_RuntimeError, "can't send non-None value to a just-started coroutine");
            return nullptr;
        }
        if (closing && g->state == 0) {  // never started: closing it runs nothing
            o->state = 2;
            g->state = -1;
            g->ag_closed = 1;
            PyErr_SetNone(PyExc_StopIteration);
            return nullptr;
        }
        o->state = 1;
        if (asyncgen_init_hooks(g) < 0) return nullptr;
        g->running_async = 1;
        if (closing) {
            g->ag_closed = 1;
            Ref exc(PyObject_CallNoArgs(PyExc_GeneratorExit));
            if (!exc.p) return aclose_outcome(o, nullptr);
            return aclose_outcome(o, gen_throw_exc(g, exc.p));
        }
        Py_ssize_t n = PyTuple_GET_SIZE(o->args);
        PyObject* items[3] = {};
        for (Py_ssize_t i = 0; i < n && i < 3; i++) items[i] = PyTuple_GET_ITEM(o->args, i);
        PyObject* r = athrow_arg_count_error(n) ? nullptr : agen_throw_body(g, items, n);
        r = agen_unwrap(g, r);
        if (!r) o->state = 2;
        return r;
    }
    PyObject* r = agen_send_body(g, arg ? arg : Py_None);
    if (closing) return aclose_outcome(o, r);
    r = agen_unwrap(g, r);
    if (!r) o->state = 2;
    return r;
}

ZRT_INLINE PyObject* athrow_iternext(PyObject* self) { return athrow_send(self, Py_None); }

ZRT_INLINE PyObject* athrow_throw(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    AThrow* o = (AThrow*)self;
    GenObject* g = o->gen;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
        return nullptr;
    }
    if (ZRT_RUNNING_PY(3, 13) && o->state == 0) {
        if (g->running_async) {
            o->state = 2;
            return already_running(o->args ? "athrow" : "aclose");
        }
        o->state = 1;
        g->running_async = 1;
    }
    PyObject* r = agen_throw_body(g, args, n);
    if (!o->args) return aclose_outcome(o, r, true);
    r = agen_unwrap(g, r);
    if (!r && ZRT_RUNNING_PY(3, 13)) o->state = 2;
    return r;
}

ZRT_INLINE PyObject* athrow_close(PyObject* self, PyObject*) {
    if (ZRT_RUNNING_PY(3, 13)) {
        if (((AThrow*)self)->state == 2) Py_RETURN_NONE;
        return awaitable_close(self, athrow_throw);
    }
    ((AThrow*)self)->state = 2;
    Py_RETURN_NONE;
}

// An asend/athrow/aclose awaitable collected before it was ever driven (3.13 warns).
ZRT_INLINE void warn_unawaited(PyObject* self, GenObject* g, int state, const char* method) {
    if (state != 0 || !ZRT_RUNNING_PY(3, 13)) return;
    PyObject* pending = fetch_exception();
    if (PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "coroutine method '%s' of '%U' was never awaited", method,
                         g->qualname) < 0)
        PyErr_WriteUnraisable(self);
    restore_exception(pending);
}
ZRT_INLINE void asend_finalize(PyObject* self) {
    warn_unawaited(self, ((ASend*)self)->gen, ((ASend*)self)->state, "asend");
}
ZRT_INLINE void athrow_finalize(PyObject* self) {
    AThrow* o = (AThrow*)self;
    warn_unawaited(self, o->gen, o->state, o->args ? "athrow" : "aclose");
}

template <typename T>
ZRT_INLINE void awaitable_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(((T*)self)->gen);
    PyObject_GC_Del(self);
    ZRT_HEAP_TYPE_RELEASE(tp);
}

// The finalizer (3.13's "never awaited" warning) runs before anything is cleared; it may
// resurrect the object.
ZRT_INLINE bool awaitable_finalized(PyObject* self, void (*finalize)(PyObject*)) {
    PyObject_GC_UnTrack(self);
#if ZRT_LIMITED
    // abi3: no "never awaited" warning for these awaitables (running the finalizer from the
    // heap type's dealloc crashed on 3.13; see docs/differences.md)
    (void)finalize;
    return true;
#else
    (void)finalize;
    return PyObject_CallFinalizerFromDealloc(self) == 0;
#endif
}
ZRT_INLINE void asend_dealloc(PyObject* self) {
    if (!awaitable_finalized(self, asend_finalize)) return;
    Py_CLEAR(((ASend*)self)->sendval);
    awaitable_dealloc<ASend>(self);
}
ZRT_INLINE void athrow_dealloc(PyObject* self) {
    if (!awaitable_finalized(self, athrow_finalize)) return;
    Py_CLEAR(((AThrow*)self)->args);
    awaitable_dealloc<AThrow>(self);
}
ZRT_INLINE int asend_traverse(PyObject* self, visitproc visit, void* arg) {
    ZRT_VISIT_TYPE(self);
    Py_VISIT((PyObject*)((ASend*)self)->gen);
    Py_VISIT(((ASend*)self)->sendval);
    return 0;
}
ZRT_INLINE int athrow_traverse(PyObject* self, visitproc visit, void* arg) {
    ZRT_VISIT_TYPE(self);
    Py_VISIT((PyObject*)((AThrow*)self)->gen);
    Py_VISIT(((AThrow*)self)->args);
    return 0;
}

ZRT_INLINE PyObject* make_asend(PyObject* gen, PyObject* value) {
    ASend* o = PyObject_GC_New(ASend, &ASendType);
    if (!o) return nullptr;
    o->gen = (GenObject*)newref(gen);
    o->sendval = newref(value ? value : Py_None);
    o->state = 0;
    PyObject_GC_Track((PyObject*)o);
    return (PyObject*)o;
}

ZRT_INLINE PyObject* make_athrow(PyObject* gen, PyObject* args) {
    AThrow* o = PyObject_GC_New(AThrow, &AThrowType);
    if (!o) return nullptr;
    o->gen = (GenObject*)newref(gen);
    o->args = xnewref(args);
    o->state = 0;
    PyObject_GC_Track((PyObject*)o);
    return (PyObject*)o;
}

ZRT_INLINE PyObject* asyncgen_anext(PyObject* self) { return make_asend(self, nullptr); }
ZRT_INLINE PyObject* asyncgen_asend(PyObject* self, PyObject* v) { return make_asend(self, v); }
ZRT_INLINE PyObject* asyncgen_aclose(PyObject* self, PyObject*) { return make_athrow(self, nullptr); }
ZRT_INLINE PyObject* asyncgen_athrow(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    if (ZRT_RUNNING_PY(3, 12) && n > 1 &&
        PyErr_WarnEx(PyExc_DeprecationWarning,
                     "the (type, exc, tb) signature of athrow() is deprecated, "
                     "use the single-arg signature instead.",
                     1) < 0)
        return nullptr;
    // the arguments are checked when the awaitable throws them in, as CPython does
    Ref tuple(PyTuple_New(n));
    if (!tuple.p) return nullptr;
    for (Py_ssize_t i = 0; i < n; i++) PyTuple_SET_ITEM(tuple.p, i, newref(args[i]));
    return make_athrow(self, tuple.p);
}

static PyMethodDef asend_methods[] = {
    {"send", (PyCFunction)asend_send, METH_O, nullptr},
    {"throw", (PyCFunction)(void (*)(void))asend_throw, METH_FASTCALL, nullptr},
    {"close", (PyCFunction)asend_close, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};
static PyMethodDef athrow_methods[] = {
    {"send", (PyCFunction)athrow_send, METH_O, nullptr},
    {"throw", (PyCFunction)(void (*)(void))athrow_throw, METH_FASTCALL, nullptr},
    {"close", (PyCFunction)athrow_close, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};
static PyMethodDef asyncgen_methods[] = {
    {"asend", (PyCFunction)asyncgen_asend, METH_O, nullptr},
    {"athrow", (PyCFunction)(void (*)(void))asyncgen_athrow, METH_FASTCALL, nullptr},
    {"aclose", (PyCFunction)asyncgen_aclose, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

ZRT_INLINE PyObject* self_await(PyObject* self) { return newref(self); }

#if !ZRT_LIMITED
static PyAsyncMethods awaitable_as_async = {self_await, nullptr, nullptr
#if ZRT_PY(3, 10)
                                            , nullptr
#endif
};
static PyAsyncMethods asyncgen_as_async = {nullptr, PyObject_SelfIter, asyncgen_anext
#if ZRT_PY(3, 10)
                                           , nullptr
#endif
};
#endif

static PyGetSetDef asyncgen_getset[] = {
    {"__class__", gen_get_class, nullptr, nullptr, nullptr},
    {"__name__", gen_get_name, gen_set_name, nullptr, nullptr},
    {"__qualname__", gen_get_qualname, gen_set_name, nullptr, (void*)1},
    {"ag_running", gen_get_running, nullptr, nullptr, nullptr},
    {"ag_suspended", gen_get_suspended, nullptr, nullptr, nullptr},
    {"ag_frame", gen_get_frame, nullptr, nullptr, nullptr},
    {"ag_code", gen_get_code, nullptr, nullptr, nullptr},
    {"ag_await", gen_get_yf, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

ZRT_INLINE int register_asyncgen_abc();

#if ZRT_LIMITED
ZRT_INLINE int ready_asyncgen_types() {
    if (AsyncTypes[0]) return 0;
    const unsigned flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION;
    PyMemberDef members[] = {{"__weaklistoffset__", T_PYSSIZET, offsetof(GenObject, weakreflist), READONLY, nullptr},
                             {nullptr, 0, 0, 0, nullptr}};
    PyType_Slot ag_slots[] = {{Py_tp_dealloc, (void*)gen_dealloc},   {Py_tp_traverse, (void*)gen_traverse},
                              {Py_tp_clear, (void*)gen_clear},       {Py_tp_repr, (void*)gen_repr},
                              {Py_tp_methods, (void*)asyncgen_methods}, {Py_tp_getset, (void*)asyncgen_getset},
                              {Py_tp_finalize, (void*)gen_finalize}, {Py_tp_members, (void*)members},
                              {Py_am_aiter, (void*)PyObject_SelfIter}, {Py_am_anext, (void*)asyncgen_anext},
                              {0, nullptr}};
    PyType_Spec ag_spec = {"async_generator", (int)offsetof(GenObject, slots), (int)sizeof(PyObject*),
                           flags | Py_TPFLAGS_HAVE_GC, ag_slots};
    PyType_Slot agv_slots[] = {{Py_tp_dealloc, (void*)agv_dealloc}, {0, nullptr}};
    PyType_Spec agv_spec = {"async_generator_wrapped_value", (int)sizeof(AsyncGenValue), 0, flags, agv_slots};
    PyType_Slot asend_slots[] = {{Py_tp_dealloc, (void*)asend_dealloc}, {Py_tp_traverse, (void*)asend_traverse},
                                 {Py_tp_iter, (void*)PyObject_SelfIter}, {Py_tp_iternext, (void*)asend_iternext},
                                 {Py_tp_methods, (void*)asend_methods}, {Py_am_await, (void*)self_await},
                                 {0, nullptr}};
    PyType_Spec asend_spec = {"async_generator_asend", (int)sizeof(ASend), 0, flags | Py_TPFLAGS_HAVE_GC,
                              asend_slots};
    PyType_Slot athrow_slots[] = {{Py_tp_dealloc, (void*)athrow_dealloc}, {Py_tp_traverse, (void*)athrow_traverse},
                                  {Py_tp_iter, (void*)PyObject_SelfIter}, {Py_tp_iternext, (void*)athrow_iternext},
                                  {Py_tp_methods, (void*)athrow_methods}, {Py_am_await, (void*)self_await},
                                  {0, nullptr}};
    PyType_Spec athrow_spec = {"async_generator_athrow", (int)sizeof(AThrow), 0, flags | Py_TPFLAGS_HAVE_GC,
                               athrow_slots};
    if (!(GenTypes[3] = (PyTypeObject*)PyType_FromSpec(&ag_spec)) ||
        !(AsyncTypes[0] = (PyTypeObject*)PyType_FromSpec(&agv_spec)) ||
        !(AsyncTypes[1] = (PyTypeObject*)PyType_FromSpec(&asend_spec)) ||
        !(AsyncTypes[2] = (PyTypeObject*)PyType_FromSpec(&athrow_spec)))
        return -1;
    return register_asyncgen_abc();
}
#else
ZRT_INLINE int ready_asyncgen_types() {
    if (AsyncGenType.tp_flags & Py_TPFLAGS_READY) return 0;
    AsyncGenType.tp_basicsize = offsetof(GenObject, slots);
    AsyncGenType.tp_itemsize = sizeof(PyObject*);
    AsyncGenType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
    AsyncGenType.tp_dealloc = gen_dealloc;
    AsyncGenType.tp_traverse = gen_traverse;
    AsyncGenType.tp_clear = gen_clear;
    AsyncGenType.tp_repr = gen_repr;
    AsyncGenType.tp_weaklistoffset = offsetof(GenObject, weakreflist);
    AsyncGenType.tp_methods = asyncgen_methods;
    AsyncGenType.tp_getset = asyncgen_getset;
    AsyncGenType.tp_finalize = gen_finalize;
    AsyncGenType.tp_as_async = &asyncgen_as_async;
    AsyncGenValueType.tp_basicsize = sizeof(AsyncGenValue);
    AsyncGenValueType.tp_flags = Py_TPFLAGS_DEFAULT;
    AsyncGenValueType.tp_dealloc = agv_dealloc;
    PyTypeObject* waits[] = {&ASendType, &AThrowType};
    for (PyTypeObject* t : waits) {
        t->tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
        t->tp_as_async = &awaitable_as_async;
        t->tp_iter = PyObject_SelfIter;
    }
    ASendType.tp_basicsize = sizeof(ASend);
    ASendType.tp_dealloc = asend_dealloc;
    ASendType.tp_traverse = asend_traverse;
    ASendType.tp_iternext = asend_iternext;
    ASendType.tp_methods = asend_methods;
    ASendType.tp_finalize = asend_finalize;
    AThrowType.tp_finalize = athrow_finalize;
    AThrowType.tp_basicsize = sizeof(AThrow);
    AThrowType.tp_dealloc = athrow_dealloc;
    AThrowType.tp_traverse = athrow_traverse;
    AThrowType.tp_iternext = athrow_iternext;
    AThrowType.tp_methods = athrow_methods;
    if (PyType_Ready(&AsyncGenType) < 0 || PyType_Ready(&AsyncGenValueType) < 0 || PyType_Ready(&ASendType) < 0 ||
        PyType_Ready(&AThrowType) < 0)
        return -1;
    return register_asyncgen_abc();
}
#endif

ZRT_INLINE int register_asyncgen_abc() {
    Ref abc(PyImport_ImportModule("_collections_abc"));
    Ref ag(abc.p ? PyObject_GetAttrString(abc.p, "AsyncGenerator") : nullptr);
    if (!ag.p) return -1;
    Ref r(PyObject_CallMethod(ag.p, "register", "O", (PyObject*)&AsyncGenType));
    return r.p ? 0 : -1;
}

}  // namespace zrt
