// The abi3 (limited API) implementations of what the full API gives as private layouts:
// compiled function objects, closure cells, traceback entries, frames for introspection,
// calls without a stable vectorcall (before 3.12) and the type objects of `types`.
// Included by ref.hpp; everything here is compiled only under Py_LIMITED_API (compat.hpp).
//
// Compiled functions: `function` cannot be subclassed without knowing its layout, which the
// limited API hides, so a compiled function is an object of our own heap type "function"
// that carries what a Python function carries (__code__ - the stub code object with the
// signature -, __globals__, __name__, __qualname__, __module__, __doc__, __defaults__,
// __kwdefaults__, __annotations__, __closure__, __dict__ and so __wrapped__), binds as a
// method (__get__ makes a types.MethodType), is called through vectorcall (the flag and the
// offset are honoured by every supported interpreter) and answers types.FunctionType for
// __class__, so isinstance(f, types.FunctionType), inspect.isfunction and inspect.signature
// accept it. docs/differences.md lists what still differs.
#pragma once

#if ZRT_LIMITED
#include <structmember.h>

#ifndef Py_TPFLAGS_METHOD_DESCRIPTOR
#define Py_TPFLAGS_METHOD_DESCRIPTOR (1UL << 17)
#endif
#ifndef Py_TPFLAGS_IMMUTABLETYPE
#define Py_TPFLAGS_IMMUTABLETYPE (1UL << 8)
#endif
#ifndef Py_TPFLAGS_DISALLOW_INSTANTIATION
#define Py_TPFLAGS_DISALLOW_INSTANTIATION (1UL << 7)
#endif

namespace zrt {

// (the full-API accessors of the same names are at the end of this header)

// tp_name of a type as CPython's messages print it (see ZRT_TP_NAME).
struct TypeName {
    Ref text;
    const char* c;
    explicit TypeName(PyTypeObject* t) : c("?") {
        PyObject* saved_t;
        PyObject* saved_v;
        PyObject* saved_tb;
        PyErr_Fetch(&saved_t, &saved_v, &saved_tb);  // formatting an error must not lose it
        Ref name(PyType_GetName(t));
        if (name.p && !(PyType_GetFlags(t) & Py_TPFLAGS_HEAPTYPE)) {
            Ref module(PyObject_GetAttrString((PyObject*)t, "__module__"));
            if (module.p && PyUnicode_Check(module.p) && PyUnicode_CompareWithASCIIString(module.p, "builtins") != 0)
                name.set(PyUnicode_FromFormat("%U.%U", module.p, name.p));
        }
        if (name.p) {
            const char* s = PyUnicode_AsUTF8AndSize(name.p, nullptr);
            if (s) c = s;
            text.set(name.release());
        }
        PyErr_Restore(saved_t, saved_v, saved_tb);
    }
};

// The type objects of the `types` module and builtins the limited API does not export.
struct LimitedTypes {
    PyObject* function;   // types.FunctionType
    PyObject* method;     // types.MethodType
    PyObject* generator;  // types.GeneratorType
    PyObject* coroutine;
    PyObject* async_generator;
    PyObject* code;
    PyObject* traceback;
    PyObject* staticmethod;
    PyObject* classmethod;
    PyObject* compile;    // builtins.compile
    PyObject* getframe;   // sys._getframe
    PyObject* cell;       // types.CellType
    PyObject* method_descriptor;  // type(dict.get)
    PyObject* frame_template;  // code object: def f(g): return g(0)
};
static LimitedTypes ltypes;
#define PyCoro_CheckExact(o) (Py_TYPE(o) == (PyTypeObject*)zrt::ltypes.coroutine)

ZRT_INLINE PyObject* call_one_arg(PyObject* f, PyObject* a) { return PyObject_CallFunctionObjArgs(f, a, nullptr); }

ZRT_INLINE PyObject* call_method_one_arg(PyObject* o, PyObject* name, PyObject* a) {
    return PyObject_CallMethodObjArgs(o, name, a, nullptr);
}

// The positional arguments of a vectorcall as a tuple, the keywords as a dict (or NULL).
ZRT_INLINE int vector_to_tuple_dict(PyObject* const* args, Py_ssize_t n, PyObject* kwnames, PyObject** t,
                                    PyObject** d) {
    *d = nullptr;
    *t = PyTuple_New(n);
    if (!*t) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(args[i]);
        PyTuple_SetItem(*t, i, args[i]);
    }
    Py_ssize_t nkw = kwnames ? PyTuple_Size(kwnames) : 0;
    if (nkw) {
        *d = PyDict_New();
        if (!*d) return -1;
        for (Py_ssize_t i = 0; i < nkw; i++)
            if (PyDict_SetItem(*d, PyTuple_GetItem(kwnames, i), args[n + i]) < 0) return -1;
    }
    return 0;
}

// Compiled functions (see the header comment).
struct FuncObject {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject* code;
    PyObject* globals;
    PyObject* name;
    PyObject* qualname;
    PyObject* module;
    PyObject* doc;
    PyObject* defaults;
    PyObject* kwdefaults;
    PyObject* closure;
    PyObject* annotations;
    PyObject* dict;
    PyObject* weakreflist;
};
static PyTypeObject* FuncTypeP;
#define FunctionType (*zrt::FuncTypeP)

#define PyFunction_GET_CODE(f) (((zrt::FuncObject*)(f))->code)
#define PyFunction_GET_DEFAULTS(f) (((zrt::FuncObject*)(f))->defaults)
#define PyFunction_GET_KW_DEFAULTS(f) (((zrt::FuncObject*)(f))->kwdefaults)
#define PyFunction_GET_CLOSURE(f) (((zrt::FuncObject*)(f))->closure)
ZRT_INLINE PyObject* func_name(PyObject* f) { return ((FuncObject*)f)->name; }
ZRT_INLINE PyObject* func_qualname(PyObject* f) { return ((FuncObject*)f)->qualname; }
ZRT_INLINE PyObject* func_globals(PyObject* f) { return ((FuncObject*)f)->globals; }

// A compiled function bound to an instance: our own small type (types.MethodType cannot be
// made without a call through its constructor), which answers types.MethodType for
// __class__ and forwards other attributes to the function, as a bound method does.
struct MethodObject {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject* func;
    PyObject* self;
    PyObject* weakreflist;
};
static PyTypeObject* MethodTypeP;
ZRT_INLINE PyObject* method_vectorcall(PyObject* m, PyObject* const* args, size_t nargsf, PyObject* kwnames);

// Call `f` (any callable) the vectorcall way: compiled functions and their bound methods
// directly, the rest through PyObject_Call (vectorcall is not a stable ABI before 3.12).
ZRT_INLINE PyObject* vectorcall(PyObject* f, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
    if (Py_TYPE(f) == FuncTypeP) return ((FuncObject*)f)->vectorcall(f, args, nargsf, kwnames);
    if (Py_TYPE(f) == MethodTypeP) return method_vectorcall(f, args, nargsf, kwnames);
    PyObject *t, *d;
    if (vector_to_tuple_dict(args, PyVectorcall_NARGS(nargsf), kwnames, &t, &d) < 0) {
        Py_XDECREF(t);
        Py_XDECREF(d);
        return nullptr;
    }
    PyObject* r = PyObject_Call(f, t, d);
    Py_DECREF(t);
    Py_XDECREF(d);
    return r;
}

ZRT_INLINE PyObject* vectorcall_dict(PyObject* f, PyObject* const* args, size_t nargsf, PyObject* kwargs) {
    Ref t(PyTuple_New(PyVectorcall_NARGS(nargsf)));
    if (!t.p) return nullptr;
    for (Py_ssize_t i = 0; i < PyVectorcall_NARGS(nargsf); i++) {
        Py_INCREF(args[i]);
        PyTuple_SetItem(t.p, i, args[i]);
    }
    return PyObject_Call(f, t.p, kwargs);
}

// Prepend the bound instance, in the slot the caller left free when it could.
ZRT_INLINE PyObject* method_vectorcall(PyObject* m, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
    PyObject* func = ((MethodObject*)m)->func;
    PyObject* self = ((MethodObject*)m)->self;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (nargsf & PY_VECTORCALL_ARGUMENTS_OFFSET) {
        PyObject** a = (PyObject**)args - 1;
        PyObject* saved = a[0];
        a[0] = self;
        PyObject* r = vectorcall(func, a, (size_t)(n + 1), kwnames);
        a[0] = saved;
        return r;
    }
    Py_ssize_t total = n + (kwnames ? PyTuple_Size(kwnames) : 0);
    PyObject* small[16];
    PyObject** a = total + 1 <= 16 ? small : (PyObject**)PyMem_Malloc(sizeof(PyObject*) * (size_t)(total + 1));
    if (!a) return PyErr_NoMemory();
    a[0] = self;
    for (Py_ssize_t i = 0; i < total; i++) a[i + 1] = args[i];
    PyObject* r = vectorcall(func, a, (size_t)(n + 1), kwnames);
    if (a != small) PyMem_Free(a);
    return r;
}

// tp_call of compiled functions and their bound methods: a tuple and a dict, turned into a
// vectorcall.
ZRT_INLINE PyObject* func_call(PyObject* self, PyObject* args, PyObject* kwargs) {
    Py_ssize_t n = PyTuple_Size(args);
    Py_ssize_t nkw = kwargs ? PyDict_Size(kwargs) : 0;
    PyObject* small[16];
    PyObject** v = n + nkw <= 16 ? small : (PyObject**)PyMem_Malloc(sizeof(PyObject*) * (size_t)(n + nkw));
    if (!v) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) v[i] = PyTuple_GetItem(args, i);
    Ref kwnames;
    if (nkw) {
        kwnames.set(PyTuple_New(nkw));
        Py_ssize_t pos = 0, k = 0;
        PyObject *key, *value;
        while (kwnames.p && PyDict_Next(kwargs, &pos, &key, &value)) {
            Py_INCREF(key);
            PyTuple_SetItem(kwnames.p, k, key);
            v[n + k++] = value;
        }
    }
    vectorcallfunc call = Py_TYPE(self) == MethodTypeP ? method_vectorcall : ((FuncObject*)self)->vectorcall;
    PyObject* r = (nkw && !kwnames.p) ? nullptr : call(self, v, (size_t)n, kwnames.p);
    if (v != small) PyMem_Free(v);
    return r;
}

ZRT_INLINE int func_traverse(PyObject* self, visitproc visit, void* arg) {
    FuncObject* f = (FuncObject*)self;
    Py_VISIT(f->code);
    Py_VISIT(f->globals);
    Py_VISIT(f->module);
    Py_VISIT(f->doc);
    Py_VISIT(f->defaults);
    Py_VISIT(f->kwdefaults);
    Py_VISIT(f->closure);
    Py_VISIT(f->annotations);
    Py_VISIT(f->dict);
    Py_VISIT((PyObject*)Py_TYPE(self));
    return 0;
}

ZRT_INLINE int func_clear(PyObject* self) {
    FuncObject* f = (FuncObject*)self;
    Py_CLEAR(f->code);
    Py_CLEAR(f->globals);
    Py_CLEAR(f->name);
    Py_CLEAR(f->qualname);
    Py_CLEAR(f->module);
    Py_CLEAR(f->doc);
    Py_CLEAR(f->defaults);
    Py_CLEAR(f->kwdefaults);
    Py_CLEAR(f->closure);
    Py_CLEAR(f->annotations);
    Py_CLEAR(f->dict);
    return 0;
}

ZRT_INLINE void func_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (((FuncObject*)self)->weakreflist) PyObject_ClearWeakRefs(self);
    func_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

ZRT_INLINE PyObject* func_repr(PyObject* self) {
    return PyUnicode_FromFormat("<function %U at %p>", ((FuncObject*)self)->qualname, self);
}

// f.__get__(obj): a bound method, as for a Python function.
ZRT_INLINE PyObject* func_descr_get(PyObject* self, PyObject* obj, PyObject*) {
    if (!obj || obj == Py_None) return newref(self);
    MethodObject* m = PyObject_GC_New(MethodObject, MethodTypeP);
    if (!m) return nullptr;
    m->vectorcall = method_vectorcall;
    m->func = newref(self);
    m->self = newref(obj);
    m->weakreflist = nullptr;
    PyObject_GC_Track((PyObject*)m);
    return (PyObject*)m;
}

ZRT_INLINE int method_traverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(((MethodObject*)self)->func);
    Py_VISIT(((MethodObject*)self)->self);
    Py_VISIT((PyObject*)Py_TYPE(self));
    return 0;
}
ZRT_INLINE void method_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (((MethodObject*)self)->weakreflist) PyObject_ClearWeakRefs(self);
    Py_CLEAR(((MethodObject*)self)->func);
    Py_CLEAR(((MethodObject*)self)->self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}
ZRT_INLINE PyObject* method_get(PyObject* self, void* which) {
    if (which == (void*)0) return newref(ltypes.method);
    return newref(which == (void*)1 ? ((MethodObject*)self)->func : ((MethodObject*)self)->self);
}
ZRT_INLINE PyObject* method_get_doc(PyObject* self, void*) {
    return PyObject_GetAttrString(((MethodObject*)self)->func, "__doc__");
}
// Anything else is the function's (m.__name__, m.__wrapped__...), as for bound methods.
ZRT_INLINE PyObject* method_getattro(PyObject* self, PyObject* name) {
    PyObject* r = PyObject_GenericGetAttr(self, name);
    if (r || !PyErr_ExceptionMatches(PyExc_AttributeError)) return r;
    PyErr_Clear();
    return PyObject_GetAttr(((MethodObject*)self)->func, name);
}
ZRT_INLINE PyObject* method_repr(PyObject* self) {
    MethodObject* m = (MethodObject*)self;
    return PyUnicode_FromFormat("<bound method %U of %R>", ((FuncObject*)m->func)->qualname, m->self);
}
ZRT_INLINE PyObject* method_richcompare(PyObject* a, PyObject* b, int op) {
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(b) != MethodTypeP) Py_RETURN_NOTIMPLEMENTED;
    MethodObject *x = (MethodObject*)a, *y = (MethodObject*)b;
    int eq = x->self == y->self ? PyObject_RichCompareBool(x->func, y->func, Py_EQ) : 0;
    if (eq < 0) return nullptr;
    return bool_obj(op == Py_EQ ? eq : !eq);
}
ZRT_INLINE Py_hash_t method_hash(PyObject* self) {
    MethodObject* m = (MethodObject*)self;
    Py_hash_t y = PyObject_Hash(m->func);
    if (y == -1) return -1;
    size_t p = (size_t)m->self;  // _Py_HashPointer: the address rotated by 4 bits
    Py_hash_t x = (Py_hash_t)((p >> 4) | (p << (8 * sizeof(size_t) - 4)));
    Py_hash_t h = x ^ y;
    return h == -1 ? -2 : h;
}
ZRT_INLINE PyObject* method_reduce(PyObject* self, PyObject*) {
    MethodObject* m = (MethodObject*)self;
    Ref getattr_fn(PyImport_ImportModule("builtins"));
    Ref fn(getattr_fn.p ? PyObject_GetAttrString(getattr_fn.p, "getattr") : nullptr);
    if (!fn.p) return nullptr;
    return Py_BuildValue("O(OO)", fn.p, m->self, ((FuncObject*)m->func)->name);
}
static PyGetSetDef method_getset[] = {
    {"__class__", method_get, nullptr, nullptr, (void*)0},
    {"__func__", method_get, nullptr, nullptr, (void*)1},
    {"__self__", method_get, nullptr, nullptr, (void*)2},
    {"__doc__", method_get_doc, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};
static PyMemberDef method_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(MethodObject, vectorcall), READONLY, nullptr},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(MethodObject, weakreflist), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};
static PyMethodDef method_methods[] = {
    {"__reduce__", (PyCFunction)method_reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

ZRT_INLINE PyObject* func_reduce(PyObject* self, PyObject*) { return newref(((FuncObject*)self)->qualname); }

#define ZRT_FUNC_FIELD(f, i) (*(&((FuncObject*)(f))->code + (Py_ssize_t)(i)))
enum { FF_CODE, FF_GLOBALS, FF_NAME, FF_QUALNAME, FF_MODULE, FF_DOC, FF_DEFAULTS, FF_KWDEFAULTS, FF_CLOSURE,
       FF_ANNOTATIONS };

ZRT_INLINE PyObject* func_get(PyObject* self, void* which) {
    Py_ssize_t i = (Py_ssize_t)which;
    PyObject*& slot = ZRT_FUNC_FIELD(self, i);
    if (!slot && i == FF_ANNOTATIONS) slot = PyDict_New();  // created on first access, as CPython
    if (!slot && i == FF_ANNOTATIONS) return nullptr;
    return newref(slot ? slot : Py_None);
}

ZRT_INLINE int func_set(PyObject* self, PyObject* value, void* which) {
    Py_ssize_t i = (Py_ssize_t)which;
    const char* what = nullptr;
    switch (i) {
    case FF_NAME: what = "__name__"; break;
    case FF_QUALNAME: what = "__qualname__"; break;
    default: break;
    }
    if (what && (!value || !PyUnicode_Check(value))) {
        PyErr_Format(PyExc_TypeError, "%s must be set to a string object", what);
        return -1;
    }
    if (i == FF_CODE && (!value || !PyObject_TypeCheck(value, (PyTypeObject*)ltypes.code))) {
        PyErr_SetString(PyExc_TypeError, "__code__ must be set to a code object");
        return -1;
    }
    if (i == FF_DEFAULTS && value == Py_None) value = nullptr;
    if (i == FF_DEFAULTS && value && !PyTuple_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "__defaults__ must be set to a tuple object");
        return -1;
    }
    if (i == FF_KWDEFAULTS && value == Py_None) value = nullptr;
    if (i == FF_KWDEFAULTS && value && !PyDict_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "__kwdefaults__ must be set to a dict object");
        return -1;
    }
    if (i == FF_ANNOTATIONS && value == Py_None) value = nullptr;
    if (i == FF_ANNOTATIONS && value && !PyDict_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "__annotations__ must be set to a dict object");
        return -1;
    }
    if (i == FF_DOC && !value) value = Py_None;
    Py_XSETREF(ZRT_FUNC_FIELD(self, i), xnewref(value));
    return 0;
}

// isinstance(f, types.FunctionType) consults __class__ when type(f) differs (as for the
// compiled generators, generator.hpp).
ZRT_INLINE PyObject* func_get_class(PyObject*, void*) { return newref(ltypes.function); }

static PyGetSetDef func_getset[] = {
    {"__class__", func_get_class, nullptr, nullptr, nullptr},
    {"__code__", func_get, func_set, nullptr, (void*)FF_CODE},
    {"__globals__", func_get, nullptr, nullptr, (void*)FF_GLOBALS},
    {"__name__", func_get, func_set, nullptr, (void*)FF_NAME},
    {"__qualname__", func_get, func_set, nullptr, (void*)FF_QUALNAME},
    {"__doc__", func_get, func_set, nullptr, (void*)FF_DOC},
    {"__defaults__", func_get, func_set, nullptr, (void*)FF_DEFAULTS},
    {"__kwdefaults__", func_get, func_set, nullptr, (void*)FF_KWDEFAULTS},
    {"__closure__", func_get, nullptr, nullptr, (void*)FF_CLOSURE},
    {"__annotations__", func_get, func_set, nullptr, (void*)FF_ANNOTATIONS},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

static PyMemberDef func_members[] = {
    {"__module__", T_OBJECT, offsetof(FuncObject, module), 0, nullptr},
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(FuncObject, vectorcall), READONLY, nullptr},
    {"__dictoffset__", T_PYSSIZET, offsetof(FuncObject, dict), READONLY, nullptr},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(FuncObject, weakreflist), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

static PyMethodDef func_methods[] = {
    {"__reduce__", (PyCFunction)func_reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

// Closure cells of compiled code: our own small type (the cell type's layout is private).
struct Cell {
    PyObject_HEAD
    PyObject* ref;
};
static PyTypeObject* CellTypeP;

ZRT_INLINE PyObject* cell_new(PyObject* v) {
    Cell* c = PyObject_GC_New(Cell, CellTypeP);
    if (!c) return nullptr;
    c->ref = xnewref(v);
    PyObject_GC_Track((PyObject*)c);
    return (PyObject*)c;
}
#define PyCell_New(v) zrt::cell_new(v)
#define PyCell_GET(c) (((zrt::Cell*)(c))->ref)
#define PyCell_SET(c, v) (((zrt::Cell*)(c))->ref = (v))

ZRT_INLINE int cell_traverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(((Cell*)self)->ref);
    Py_VISIT((PyObject*)Py_TYPE(self));
    return 0;
}
ZRT_INLINE int cell_clear(PyObject* self) {
    Py_CLEAR(((Cell*)self)->ref);
    return 0;
}
ZRT_INLINE void cell_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    cell_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}
ZRT_INLINE PyObject* cell_get_contents(PyObject* self, void*) {
    PyObject* v = ((Cell*)self)->ref;
    if (!v) {
        PyErr_SetString(PyExc_ValueError, "Cell is empty");
        return nullptr;
    }
    return newref(v);
}
ZRT_INLINE int cell_set_contents(PyObject* self, PyObject* v, void*) {
    Py_XSETREF(((Cell*)self)->ref, xnewref(v));
    return 0;
}
static PyGetSetDef cell_getset[] = {
    {"cell_contents", cell_get_contents, cell_set_contents, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

ZRT_INLINE PyObject* types_attr(PyObject* module, const char* name) {
    return PyObject_GetAttrString(module, name);
}

// Once per extension module: our heap types and the types of `types`.
ZRT_INLINE int ready_limited_types() {
    if (FuncTypeP) return 0;
    Ref types(PyImport_ImportModule("types"));
    Ref builtins(PyImport_ImportModule("builtins"));
    Ref sys(PyImport_ImportModule("sys"));
    if (!types.p || !builtins.p || !sys.p) return -1;
    struct {
        PyObject** slot;
        PyObject* module;
        const char* name;
    } wanted[] = {{&ltypes.function, types.p, "FunctionType"},
                  {&ltypes.method, types.p, "MethodType"},
                  {&ltypes.generator, types.p, "GeneratorType"},
                  {&ltypes.coroutine, types.p, "CoroutineType"},
                  {&ltypes.async_generator, types.p, "AsyncGeneratorType"},
                  {&ltypes.code, types.p, "CodeType"},
                  {&ltypes.traceback, types.p, "TracebackType"},
                  {&ltypes.staticmethod, builtins.p, "staticmethod"},
                  {&ltypes.classmethod, builtins.p, "classmethod"},
                  {&ltypes.compile, builtins.p, "compile"},
                  {&ltypes.getframe, sys.p, "_getframe"},
                  {&ltypes.cell, types.p, "CellType"}};
    for (auto& w : wanted)
        if (!*w.slot && !(*w.slot = types_attr(w.module, w.name))) return -1;
    if (!ltypes.method_descriptor) {
        Ref get(PyObject_GetAttrString((PyObject*)&PyDict_Type, "get"));
        if (!get.p) return -1;
        ltypes.method_descriptor = newref((PyObject*)Py_TYPE(get.p));
    }
    if (!ltypes.frame_template) {
        Ref ns(PyDict_New());
        Ref code(Py_CompileString("def f(g):\n    return g(0)\n", "<ziggurat>", Py_file_input));
        if (!ns.p || !code.p || PyDict_SetItemString(ns.p, "__builtins__", builtins.p) < 0) return -1;
        Ref r(PyEval_EvalCode(code.p, ns.p, ns.p));
        PyObject* f = r.p ? PyDict_GetItemString(ns.p, "f") : nullptr;
        if (!f || !(ltypes.frame_template = PyObject_GetAttrString(f, "__code__"))) return -1;
    }
    PyType_Slot cell_slots[] = {{Py_tp_dealloc, (void*)cell_dealloc},
                                {Py_tp_traverse, (void*)cell_traverse},
                                {Py_tp_clear, (void*)cell_clear},
                                {Py_tp_getset, (void*)cell_getset},
                                {0, nullptr}};
    PyType_Spec cell_spec = {"cell", (int)sizeof(Cell), 0,
                             Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
                                 Py_TPFLAGS_DISALLOW_INSTANTIATION,
                             cell_slots};
    PyType_Slot func_slots[] = {{Py_tp_dealloc, (void*)func_dealloc},
                                {Py_tp_traverse, (void*)func_traverse},
                                {Py_tp_clear, (void*)func_clear},
                                {Py_tp_repr, (void*)func_repr},
                                {Py_tp_call, (void*)func_call},
                                {Py_tp_descr_get, (void*)func_descr_get},
                                {Py_tp_getset, (void*)func_getset},
                                {Py_tp_members, (void*)func_members},
                                {Py_tp_methods, (void*)func_methods},
                                {0, nullptr}};
    PyType_Spec func_spec = {"function", (int)sizeof(FuncObject), 0,
                             Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_METHOD_DESCRIPTOR |
                                 Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_IMMUTABLETYPE |
                                 Py_TPFLAGS_DISALLOW_INSTANTIATION,
                             func_slots};
    PyType_Slot method_slots[] = {{Py_tp_dealloc, (void*)method_dealloc},
                                  {Py_tp_traverse, (void*)method_traverse},
                                  {Py_tp_repr, (void*)method_repr},
                                  {Py_tp_call, (void*)func_call},
                                  {Py_tp_getattro, (void*)method_getattro},
                                  {Py_tp_richcompare, (void*)method_richcompare},
                                  {Py_tp_hash, (void*)method_hash},
                                  {Py_tp_getset, (void*)method_getset},
                                  {Py_tp_members, (void*)method_members},
                                  {Py_tp_methods, (void*)method_methods},
                                  {0, nullptr}};
    PyType_Spec method_spec = {"method", (int)sizeof(MethodObject), 0,
                               Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                                   Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
                               method_slots};
    MethodTypeP = (PyTypeObject*)PyType_FromSpec(&method_spec);
    if (!MethodTypeP) return -1;
    CellTypeP = (PyTypeObject*)PyType_FromSpec(&cell_spec);
    if (!CellTypeP) return -1;
    FuncTypeP = (PyTypeObject*)PyType_FromSpec(&func_spec);
    return FuncTypeP ? 0 : -1;
}

// A frame object named `name` in `filename` (for traceback entries and gi_frame): made by
// running a two-line function whose code object carries those names.
ZRT_INLINE PyObject* make_named_frame(const char* name, PyObject* filename, int firstline, PyObject* globals) {
    Ref uname(PyUnicode_FromString(name));
    Ref replace(uname.p ? PyObject_GetAttrString(ltypes.frame_template, "replace") : nullptr);
    Ref kw(PyDict_New());
    Ref line(PyLong_FromLong(firstline > 0 ? firstline : 1));
    if (!replace.p || !kw.p || !line.p || PyDict_SetItemString(kw.p, "co_name", uname.p) < 0 ||
        PyDict_SetItemString(kw.p, "co_qualname", uname.p) < 0 ||
        PyDict_SetItemString(kw.p, "co_filename", filename) < 0 ||
        PyDict_SetItemString(kw.p, "co_firstlineno", line.p) < 0)
        return nullptr;
    Ref noargs(PyTuple_New(0));
    Ref code(noargs.p ? PyObject_Call(replace.p, noargs.p, kw.p) : nullptr);
    Ref fn(code.p ? PyObject_CallFunctionObjArgs(ltypes.function, code.p, globals, nullptr) : nullptr);
    return fn.p ? PyObject_CallFunctionObjArgs(fn.p, ltypes.getframe, nullptr) : nullptr;
}

// A traceback entry for `frame` at `line`, put in front of the raised exception's traceback.
// No instruction offset (-1): traceback.py then shows tb_lineno and no column carets.
ZRT_INLINE void push_traceback(PyObject* exc, PyObject* frame, int line) {
    PyObject* tb = PyException_GetTraceback(exc);
    Ref lasti(PyLong_FromLong(-1));
    Ref lineno(PyLong_FromLong(line));
    Ref entry(lasti.p && lineno.p ? PyObject_CallFunctionObjArgs(ltypes.traceback, tb ? tb : Py_None, frame, lasti.p,
                                                                 lineno.p, nullptr)
                                  : nullptr);
    Py_XDECREF(tb);
    if (entry.p) PyException_SetTraceback(exc, entry.p);
    else PyErr_Clear();
}

// _PyType_Lookup: `name` in the type's MRO dicts, no descriptor applied; borrowed (the
// type's dict holds it), NULL without an error when absent.
ZRT_INLINE PyObject* type_lookup(PyTypeObject* t, PyObject* name) {
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    PyObject* found = nullptr;
    Ref mro(PyObject_GetAttrString((PyObject*)t, "__mro__"));
    Py_ssize_t n = mro.p && PyTuple_Check(mro.p) ? PyTuple_Size(mro.p) : 0;
    for (Py_ssize_t i = 0; i < n && !found; i++) {
        Ref dict(PyObject_GetAttrString(PyTuple_GetItem(mro.p, i), "__dict__"));
        Ref v(dict.p ? PyObject_GetItem(dict.p, name) : nullptr);
        found = v.p;  // still referenced by the type's dict
    }
    PyErr_Restore(et, ev, etb);
    return found;
}

// type.__new__ accepts only the interpreter's own cell as __classcell__: the class body's
// methods hold our cell, so the class goes through a real one and is copied over after.
ZRT_INLINE PyObject* real_classcell() { return PyObject_CallNoArgs(ltypes.cell); }

ZRT_INLINE int copy_classcell(PyObject* real, PyObject* ours) {
    PyObject* v = PyObject_GetAttrString(real, "cell_contents");
    if (!v) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError)) return -1;
        PyErr_Clear();  // still empty: type.__new__ was not given the namespace
    }
    Py_XSETREF(PyCell_GET(ours), v);
    return 0;
}

// obj.name(...) on an instance of a builtin type (whose type dict cannot change and whose
// instances have no attributes of their own): the type's method descriptor, called with
// obj first, saves making a bound method (what LOAD_METHOD does). 1 with *out, or 0 to
// take the ordinary attribute path.
ZRT_INLINE int builtin_method(PyObject* obj, PyObject* name, PyObject** out) {
    PyTypeObject* tp = Py_TYPE(obj);
    if (tp != &PyDict_Type && tp != &PyList_Type && tp != &PyUnicode_Type && tp != &PySet_Type &&
        tp != &PyTuple_Type && tp != &PyBytes_Type && tp != &PyByteArray_Type && tp != &PyFrozenSet_Type &&
        tp != &PyLong_Type && tp != &PyFloat_Type)
        return 0;
    PyObject* d = PyObject_GetAttr((PyObject*)tp, name);
    if (d && Py_TYPE(d) == (PyTypeObject*)ltypes.method_descriptor) {
        *out = d;
        return 1;
    }
    Py_XDECREF(d);  // a classmethod, a static method, or absent: the ordinary path
    PyErr_Clear();
    return 0;
}

ZRT_INLINE int call_finalizer_from_dealloc(PyObject* self, void (*finalize)(PyObject*)) {
    // PyObject_CallFinalizerFromDealloc is not in the limited API: the same steps by hand.
    // Returns -1 when the finaliser resurrected the object (the caller must stop).
    Py_SET_REFCNT(self, 1);
    finalize(self);
    Py_SET_REFCNT(self, Py_REFCNT(self) - 1);
    if (Py_REFCNT(self) == 0) return 0;
    PyObject_GC_Track(self);
    return -1;
}

}  // namespace zrt
#else  // !ZRT_LIMITED
namespace zrt {
ZRT_INLINE PyObject* func_name(PyObject* f) { return ((PyFunctionObject*)f)->func_name; }
ZRT_INLINE PyObject* func_qualname(PyObject* f) { return ((PyFunctionObject*)f)->func_qualname; }
ZRT_INLINE PyObject* func_globals(PyObject* f) { return ((PyFunctionObject*)f)->func_globals; }
ZRT_INLINE PyObject* type_lookup(PyTypeObject* t, PyObject* name) { return _PyType_Lookup(t, name); }
}  // namespace zrt
#endif  // ZRT_LIMITED
