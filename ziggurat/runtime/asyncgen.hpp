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
    PyObject* exc;  // NULL: aclose()
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

// One step's outcome seen from the awaitable: a wrapped value completes it (StopIteration
// carrying the value), anything else goes to the event loop; a finished generator is
// StopAsyncIteration.
ZRT_INLINE PyObject* asyncgen_unwrap(PyObject* r, PyObject* result) {
    if (r) {
        if (Py_TYPE(r) != &AsyncGenValueType) return r;
        PyObject* v = ((AsyncGenValue*)r)->value;
        if (v == Py_None) PyErr_SetNone(PyExc_StopIteration);
        else set_stop_iteration_value(v);
        Py_DECREF(r);
        return nullptr;
    }
    if (result) {
        Py_DECREF(result);
        PyErr_SetNone(PyExc_StopAsyncIteration);
    }
    return nullptr;
}

ZRT_INLINE PyObject* asend_send(PyObject* self, PyObject* arg) {
    ASend* o = (ASend*)self;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
        return nullptr;
    }
    if (o->state == 0) {
        if (!arg || arg == Py_None) arg = o->sendval;
        o->state = 1;
        if (asyncgen_init_hooks(o->gen) < 0) return nullptr;
    }
    if (o->gen->state == -1) {
        o->state = 2;
        PyErr_SetNone(PyExc_StopAsyncIteration);
        return nullptr;
    }
    PyObject* result;
    PyObject* r = asyncgen_unwrap(gen_send_ex(o->gen, arg, &result), nullptr);
    if (!r && !PyErr_Occurred()) PyErr_SetNone(PyExc_StopAsyncIteration);
    if (!r && result) {
        Py_DECREF(result);
        PyErr_Clear();
        PyErr_SetNone(PyExc_StopAsyncIteration);
    }
    if (!r) o->state = 2;
    return r;
}

ZRT_INLINE PyObject* asend_iternext(PyObject* self) { return asend_send(self, Py_None); }

ZRT_INLINE PyObject* asend_throw(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    ASend* o = (ASend*)self;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
        return nullptr;
    }
    PyObject* r = gen_throw((PyObject*)o->gen, args, n);
    if (r) return asyncgen_unwrap(r, nullptr);
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) {  // the generator returned
        PyErr_Clear();
        PyErr_SetNone(PyExc_StopAsyncIteration);
    }
    o->state = 2;
    return nullptr;
}

ZRT_INLINE PyObject* asend_close(PyObject* self, PyObject*) {
    ((ASend*)self)->state = 2;
    Py_RETURN_NONE;
}

ZRT_INLINE PyObject* athrow_send(PyObject* self, PyObject* arg) {
    AThrow* o = (AThrow*)self;
    GenObject* g = o->gen;
    bool closing = o->exc == nullptr;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
        return nullptr;
    }
    PyObject* r;
    if (o->state == 0) {
        if (g->state == -1 || (closing && g->state == 0)) {
            o->state = 2;
            g->state = -1;
            if (closing) PyErr_SetNone(PyExc_StopIteration);
            else PyErr_SetNone(PyExc_StopAsyncIteration);
            return nullptr;
        }
        if (arg && arg != Py_None) {
            PyErr_SetString(PyExc_RuntimeError, "can't send non-None value to a just-started coroutine");
            return nullptr;
        }
        o->state = 1;
        if (asyncgen_init_hooks(g) < 0) return nullptr;
        Ref exc(closing ? PyObject_CallNoArgs(PyExc_GeneratorExit) : newref(o->exc));
        if (!exc.p) return nullptr;
        r = gen_throw_exc(g, exc.p);
    } else {
        PyObject* result;
        r = gen_send_ex(g, arg ? arg : Py_None, &result);
        if (!r && result) {
            Py_DECREF(result);
            PyErr_SetNone(PyExc_StopIteration);  // the generator returned
        }
    }
    if (r) {
        if (Py_TYPE(r) != &AsyncGenValueType) return r;  // an inner await's value
        if (closing) {
            Py_DECREF(r);
            o->state = 2;
            PyErr_SetString(PyExc_RuntimeError, "async generator ignored GeneratorExit");
            return nullptr;
        }
        o->state = 2;
        return asyncgen_unwrap(r, nullptr);
    }
    o->state = 2;
    if (closing) {
        if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_StopAsyncIteration) ||
            PyErr_ExceptionMatches(PyExc_GeneratorExit) || PyErr_ExceptionMatches(PyExc_StopIteration)) {
            PyErr_Clear();
            PyErr_SetNone(PyExc_StopIteration);
        }
    } else if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
        PyErr_Clear();
        PyErr_SetNone(PyExc_StopAsyncIteration);
    }
    return nullptr;
}

ZRT_INLINE PyObject* athrow_iternext(PyObject* self) { return athrow_send(self, Py_None); }

ZRT_INLINE PyObject* athrow_throw(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    AThrow* o = (AThrow*)self;
    if (o->state == 2) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
        return nullptr;
    }
    PyObject* r = gen_throw((PyObject*)o->gen, args, n);
    if (r) {
        if (Py_TYPE(r) != &AsyncGenValueType) return r;
        if (!o->exc) {
            Py_DECREF(r);
            PyErr_SetString(PyExc_RuntimeError, "async generator ignored GeneratorExit");
            return nullptr;
        }
        return asyncgen_unwrap(r, nullptr);
    }
    if (!o->exc && (PyErr_ExceptionMatches(PyExc_StopAsyncIteration) || PyErr_ExceptionMatches(PyExc_GeneratorExit))) {
        PyErr_Clear();
        PyErr_SetNone(PyExc_StopIteration);
    }
    return nullptr;
}

ZRT_INLINE PyObject* athrow_close(PyObject* self, PyObject*) {
    ((AThrow*)self)->state = 2;
    Py_RETURN_NONE;
}

template <typename T>
ZRT_INLINE void awaitable_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(((T*)self)->gen);
    PyObject_GC_Del(self);
    ZRT_HEAP_TYPE_RELEASE(tp);
}

ZRT_INLINE void asend_dealloc(PyObject* self) {
    Py_CLEAR(((ASend*)self)->sendval);
    awaitable_dealloc<ASend>(self);
}
ZRT_INLINE void athrow_dealloc(PyObject* self) {
    Py_CLEAR(((AThrow*)self)->exc);
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
    Py_VISIT(((AThrow*)self)->exc);
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

ZRT_INLINE PyObject* make_athrow(PyObject* gen, PyObject* exc) {
    AThrow* o = PyObject_GC_New(AThrow, &AThrowType);
    if (!o) return nullptr;
    o->gen = (GenObject*)newref(gen);
    o->exc = xnewref(exc);
    o->state = 0;
    PyObject_GC_Track((PyObject*)o);
    return (PyObject*)o;
}

ZRT_INLINE PyObject* asyncgen_anext(PyObject* self) { return make_asend(self, nullptr); }
ZRT_INLINE PyObject* asyncgen_asend(PyObject* self, PyObject* v) { return make_asend(self, v); }
ZRT_INLINE PyObject* asyncgen_aclose(PyObject* self, PyObject*) { return make_athrow(self, nullptr); }
ZRT_INLINE PyObject* asyncgen_athrow(PyObject* self, PyObject* const* args, Py_ssize_t n) {
    if (n < 1) {
        PyErr_SetString(PyExc_TypeError, "athrow expected at least 1 argument, got 0");
        return nullptr;
    }
    // normalise (type[, value[, tb]]) the way throw() does, into one exception instance
    Ref exc;
    if (is_exception_class(args[0])) {
        if (n > 1 && args[1] != Py_None && PyObject_TypeCheck(args[1], (PyTypeObject*)args[0]))
            exc.set(newref(args[1]));  // (type, instance): the instance itself
        else
            exc.set(n > 1 && args[1] != Py_None ? PyObject_CallOneArg(args[0], args[1]) : PyObject_CallNoArgs(args[0]));
    } else if (PyExceptionInstance_Check(args[0])) {
        exc.set(newref(args[0]));
    } else {
        PyErr_Format(PyExc_TypeError,
                     "exceptions must be classes or instances deriving from BaseException, not %s",
                     ZRT_TP_NAME(Py_TYPE(args[0])));
        return nullptr;
    }
    if (!exc.p) return nullptr;
    return make_athrow(self, exc.p);
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
