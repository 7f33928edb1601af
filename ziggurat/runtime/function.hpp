// Compiled functions are `function` objects of a subtype of types.FunctionType: their code
// object is a stub that carries the signature (so inspect.signature, __defaults__,
// __qualname__, functools.wraps and descriptor binding behave as for Python functions) and
// their vectorcall slot points at the generated C++. The stub's body raises SystemError
// should anything ever run it.
//
// Why a subtype and not PyFunction_Type itself: CPython 3.11's interpreter inlines calls to
// any object whose type is exactly PyFunction_Type by running its code object, ignoring the
// vectorcall slot (3.12 checks the slot, 3.11 does not). The subtype is called through
// vectorcall on every version; `__reduce__` keeps pickling by reference.
#pragma once
#include "args.hpp"
#include "exceptions.hpp"
#include <stddef.h>

namespace zrt {

// The calling thread's state, looked up once per entry from Python and then passed down
// direct calls (D_<name>, see translator/unit_emitter.py): from a shared library each
// PyThreadState_Get() is a call into libpython (and a TLS lookup on 3.12+). abi3: the
// thread state is private and never read, so nothing is looked up.
#if ZRT_LIMITED
typedef void* TState;
ZRT_INLINE TState current_tstate() { return nullptr; }
#else
typedef PyThreadState* TState;
ZRT_INLINE TState current_tstate() { return PyThreadState_Get(); }
#endif

// A compiled function's body on the caller's thread state (t_<k>, translator/unit_emitter.py):
// its vectorcall entry f_<k> looks the thread state up and calls it; compiled call sites that
// have the thread state in hand call it directly (call_function_ts).
typedef PyObject* (*TsCall)(TState, PyObject*, PyObject* const*, size_t, PyObject*);

struct FuncSpec {
    const char* name;
    const char* qualname;
    int firstlineno;
    ArgSpec args;
    int extra_flags;             // CO_GENERATOR / CO_COROUTINE / ... for inspect
    const char* const* varnames; // parameters first, then the other locals
    int nvarnames;
    const char* const* freevars;
    int nfreevars;
    vectorcallfunc impl;
    PyObject* code;              // built on first use, kept for the life of the process
    PyObject* qualname_obj;
    TsCall impl_ts;              // the body on a given thread state (nullptr: generators)
};

struct ModuleState {
    PyObject* globals;   // the module's __dict__ (borrowed from the module)
    PyObject* builtins;  // builtins dict
    PyObject* filename;  // str, the source path recorded in code objects and tracebacks
    const char* filename_c;
    PyObject* make_code; // helper that turns the stub template into a code object
    PyObject* eg_match;  // except* helpers (None before 3.11)
    PyObject* prep_reraise_star;
    PyObject* frame_code;  // helper that makes a code unit's frame code (frames.hpp)
    PyObject* frame_func;  // the function a frame names when it has none of its own
};

#if !ZRT_LIMITED
ZRT_INLINE PyObject* function_reduce(PyObject* self, PyObject*) {
    return PyObject_GetAttrString(self, "__qualname__");
}

static PyMethodDef function_methods[] = {
    {"__reduce__", (PyCFunction)function_reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

static PyTypeObject FunctionType = {PyVarObject_HEAD_INIT(nullptr, 0) "function"};

ZRT_INLINE int ready_function_type() {
    if (FunctionType.tp_base) return 0;
    FunctionType.tp_base = &PyFunction_Type;
    FunctionType.tp_basicsize = sizeof(PyFunctionObject);
    FunctionType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_METHOD_DESCRIPTOR |
                            Py_TPFLAGS_HAVE_VECTORCALL;
    FunctionType.tp_vectorcall_offset = offsetof(PyFunctionObject, vectorcall);
    FunctionType.tp_dictoffset = offsetof(PyFunctionObject, func_dict);
    FunctionType.tp_weaklistoffset = offsetof(PyFunctionObject, func_weakreflist);
    FunctionType.tp_methods = function_methods;
    FunctionType.tp_call = PyVectorcall_Call;
    FunctionType.tp_descr_get = PyFunction_Type.tp_descr_get;
    FunctionType.tp_traverse = PyFunction_Type.tp_traverse;
    FunctionType.tp_clear = PyFunction_Type.tp_clear;
    FunctionType.tp_dealloc = PyFunction_Type.tp_dealloc;
    FunctionType.tp_repr = PyFunction_Type.tp_repr;
    if (PyType_Ready(&FunctionType) < 0) {
        FunctionType.tp_base = nullptr;
        return -1;
    }
    // PyType_Ready put the type's own (empty) __doc__ in its dict, which would hide the
    // function's __doc__ member of the base type; expose the base's descriptor instead.
    // (3.12+ keeps builtin types' dicts per interpreter: go through the mappingproxy)
    Ref base_dict(PyObject_GetAttrString((PyObject*)&PyFunction_Type, "__dict__"));
    if (!base_dict.p) return -1;
    Ref doc(PyMapping_GetItemString(base_dict.p, "__doc__"));
    if (!doc.p || PyDict_SetItemString(FunctionType.tp_dict, "__doc__", doc.p) < 0) return -1;
    PyType_Modified(&FunctionType);
    return 0;
}
#else
ZRT_INLINE int ready_function_type() { return ready_limited_types(); }
#endif

static const char* const stub_source =
    "def _ziggurat_stub():\n"
    "    raise SystemError('ziggurat: the stub of a compiled function was executed')\n"
    "def _ziggurat_make_code(name, qualname, filename, firstlineno, argcount, posonly, kwonly,\n"
    "                        flags, varnames, freevars, impl):\n"
    "    t = _ziggurat_stub.__code__\n"
    // the address of the C++ among the constants: code objects compare by content, and two
    // different functions' stubs must not compare equal
    "    kw = dict(co_name=name, co_filename=filename, co_firstlineno=firstlineno,\n"
    "              co_consts=t.co_consts + (impl,),\n"
    "              co_argcount=argcount, co_posonlyargcount=posonly, co_kwonlyargcount=kwonly,\n"
    "              co_varnames=varnames, co_nlocals=len(varnames), co_freevars=freevars,\n"
    "              co_cellvars=(), co_flags=flags)\n"
    "    if hasattr(t, 'co_qualname'):\n"
    "        kw['co_qualname'] = qualname\n"
    "    return t.replace(**kw)\n"
    // The code object of a compiled unit's frames (frames.hpp): RESUME (3.11+), one NOP per
    // source line, then the stub's body; code unit k is on line firstlineno + k. Line
    // tables: 3.10 (byte delta, line delta) pairs; 3.11+ one "no columns" entry (0xe8) per
    // code unit with a signed-varint line delta (0 or +1).
    "def _ziggurat_frame_code(name, qualname, filename, firstlineno, nlines):\n"
    "    import sys\n"
    "    from opcode import opmap\n"
    "    t = _ziggurat_stub.__code__\n"
    "    raw = t.co_code\n"
    "    nop = bytes((opmap['NOP'], 0))\n"
    "    if sys.version_info >= (3, 11):\n"
    "        code = raw[:2] + nop * (nlines - 1) + raw[2:]\n"
    "        table = b''.join(b'\\xe8\\x02' if 0 < k < nlines else b'\\xe8\\x00' for k in range(len(code) // 2))\n"
    "    else:\n"
    "        code = nop * nlines + raw\n"
    "        table = b'\\x02\\x00' + b'\\x02\\x01' * (nlines - 1) + bytes((len(raw), 0))\n"
    "    kw = dict(co_code=code, co_linetable=table, co_name=name, co_filename=filename,\n"
    "              co_firstlineno=firstlineno, co_flags=0x3, co_argcount=0, co_posonlyargcount=0,\n"
    "              co_kwonlyargcount=0, co_nlocals=0, co_varnames=(), co_freevars=(), co_cellvars=())\n"
    "    if hasattr(t, 'co_qualname'):\n"
    "        kw['co_qualname'] = qualname\n"
    "    return t.replace(**kw)\n"
    // except* (3.11+): what the interpreter's CHECK_EG_MATCH and PREP_RERAISE_STAR do
    "def _ziggurat_eg_match(exc, typ):\n"
    "    for t in (typ if isinstance(typ, tuple) else (typ,)):\n"
    "        if not (isinstance(t, type) and issubclass(t, BaseException)):\n"
    "            raise TypeError('catching classes that do not inherit from BaseException is not allowed')\n"
    "        if issubclass(t, BaseExceptionGroup):\n"
    "            raise TypeError('catching ExceptionGroup with except* is not allowed. Use except instead.')\n"
    "    if exc is None:\n"
    "        return None, None\n"
    "    if isinstance(exc, typ):\n"
    "        if isinstance(exc, BaseExceptionGroup):\n"
    "            return exc, None\n"
    "        group = BaseExceptionGroup('', [exc])\n"
    "        group.__traceback__ = exc.__traceback__\n"
    "        return group, None\n"
    "    if isinstance(exc, BaseExceptionGroup):\n"
    "        return exc.split(typ)\n"
    "    return None, exc\n"
    "def _ziggurat_prep_reraise_star(orig, excs):\n"
    "    if not excs:\n"
    "        return None\n"
    "    if not isinstance(orig, BaseExceptionGroup):\n"
    "        return excs[0]\n"
    "    def same(a, b):\n"
    "        return (a.__traceback__ is b.__traceback__ and a.__cause__ is b.__cause__ and\n"
    "                a.__context__ is b.__context__ and\n"
    "                getattr(a, '__notes__', None) is getattr(b, '__notes__', None))\n"
    "    raised = [e for e in excs if e is not None and not same(e, orig)]\n"
    "    reraised = [e for e in excs if e is not None and same(e, orig)]\n"
    "    ids = set()\n"
    "    def leaves(e):\n"
    "        if isinstance(e, BaseExceptionGroup):\n"
    "            for x in e.exceptions:\n"
    "                leaves(x)\n"
    "        else:\n"
    "            ids.add(id(e))\n"
    "    for e in reraised:\n"
    "        leaves(e)\n"
    "    kept = orig.split(lambda e: not isinstance(e, BaseExceptionGroup) and id(e) in ids)[0]\n"
    "    if not raised:\n"
    "        return kept\n"
    "    if kept is not None:\n"
    "        raised.append(kept)\n"
    "    return BaseExceptionGroup('', raised) if len(raised) > 1 else raised[0]\n";

// Where tracebacks say the source is: next to the extension module, under the source's own
// file name (so a kept .py is found by linecache); the recorded relative path otherwise.
ZRT_INLINE PyObject* source_path(PyObject* module, const char* filename) {
    Ref base(PyUnicode_FromString(filename));
    if (!base.p) return nullptr;
    PyObject* file = PyDict_GetItemString(PyModule_GetDict(module), "__file__");
    if (!file || !PyUnicode_Check(file)) return base.release();
    Ref osp(PyImport_ImportModule("os.path"));
    if (!osp.p) return nullptr;
    Ref dir(PyObject_CallMethod(osp.p, "dirname", "O", file));
    Ref name(dir.p ? PyObject_CallMethod(osp.p, "basename", "O", base.p) : nullptr);
    if (!name.p) return nullptr;
    return PyObject_CallMethod(osp.p, "join", "OO", dir.p, name.p);
}

ZRT_INLINE int init_module_state(ModuleState* st, PyObject* module, const char* filename) {
    st->globals = PyModule_GetDict(module);
    st->builtins = PyEval_GetBuiltins();
    // Interpreted code running in this module (fallbacks, exec) and PyImport_Import look
    // up __builtins__ in the globals, as every Python module has it.
    if (!PyDict_GetItemString(st->globals, "__builtins__") &&
        PyDict_SetItemString(st->globals, "__builtins__", st->builtins) < 0)
        return -1;
    PyObject* path = source_path(module, filename);
    if (!path) return -1;
    Py_XSETREF(st->filename, path);
    st->filename_c = PyUnicode_AsUTF8(path);
    if (!st->filename_c) return -1;
    if (ready_function_type() < 0) return -1;
    if (!st->make_code) {
        Ref ns(PyDict_New());
        if (!ns.p) return -1;
        // The helpers stand in for C code of the interpreter: they must not see a program
        // that later rebinds builtins (`builtins.len = ...`), so they get a snapshot.
        Ref builtins(PyDict_Copy(PyEval_GetBuiltins()));
        if (!builtins.p || PyDict_SetItemString(ns.p, "__builtins__", builtins.p) < 0) return -1;
        Ref code(Py_CompileString(stub_source, "<string>", Py_file_input));
        Ref r(code.p ? PyEval_EvalCode(code.p, ns.p, ns.p) : nullptr);
        if (!r.p) return -1;
        st->make_code = xnewref(PyDict_GetItemString(ns.p, "_ziggurat_make_code"));
        st->eg_match = xnewref(PyDict_GetItemString(ns.p, "_ziggurat_eg_match"));
        st->prep_reraise_star = xnewref(PyDict_GetItemString(ns.p, "_ziggurat_prep_reraise_star"));
        st->frame_code = xnewref(PyDict_GetItemString(ns.p, "_ziggurat_frame_code"));
        if (!st->make_code || !st->eg_match || !st->prep_reraise_star || !st->frame_code) return -1;
#if !ZRT_LIMITED
        // a function of this module (its __module__ is the module's name) for the frames of
        // class bodies and direct calls: sys._getframemodulename() reads it
        PyObject* stub = PyDict_GetItemString(ns.p, "_ziggurat_stub");
        st->frame_func = stub ? PyFunction_New(PyFunction_GET_CODE(stub), st->globals) : nullptr;
        if (!st->frame_func) return -1;
#endif
    }
    return 0;
}

ZRT_INLINE PyObject* tuple_of_cstrings(const char* const* s, int n) {
    PyObject* t = PyTuple_New(n);
    if (!t) return nullptr;
    for (int i = 0; i < n; i++) {
        PyObject* u = PyUnicode_InternFromString(s[i]);
        if (!u) {
            Py_DECREF(t);
            return nullptr;
        }
        PyTuple_SET_ITEM(t, i, u);
    }
    return t;
}

// sys._ziggurat_stubs (borrowed): id of a stub code object -> (capsule of the C++ implementing
// it, the stub). Made on first use when `create`; a lookup passes false and gets NULL without
// an error when there is none (someone deleted it: no stub is known then).
ZRT_INLINE PyObject* stub_table(bool create = true) {
    PyObject* table = PySys_GetObject("_ziggurat_stubs");
    if (table || !create) return table;
    Ref fresh(PyDict_New());
    if (!fresh.p || PySys_SetObject("_ziggurat_stubs", fresh.p) < 0) return nullptr;
    return PySys_GetObject("_ziggurat_stubs");
}

// The weak reference callback of a copied stub's entry (below): the entry goes when the copy
// does. self: (table, key).
static PyObject* forget_stub(PyObject* self, PyObject*) {
    if (PyDict_DelItem(PyTuple_GetItem(self, 0), PyTuple_GetItem(self, 1)) < 0) PyErr_Clear();
    Py_RETURN_NONE;
}
static PyMethodDef forget_stub_def = {"_ziggurat_forget_stub", forget_stub, METH_O, nullptr};

// Enter `code` in the stub table as run by `impl`. A stub's entry holds it, so its address
// (the key) is never reused; a copy of a stub (`weak`: made at run time, one per decorated
// function) is held weakly instead, and its entry removed when it dies.
ZRT_INLINE int register_stub(PyObject* code, vectorcallfunc impl, bool weak = false) {
    PyObject* table = stub_table();
    Ref key(PyLong_FromVoidPtr(code));
    Ref capsule(PyCapsule_New((void*)impl, "ziggurat.impl", nullptr));
    if (!table || !key.p || !capsule.p) return -1;
    Ref held(newref(code));
    if (weak) {
        Ref self(PyTuple_Pack(2, table, key.p));
        Ref callback(self.p ? PyCFunction_NewEx(&forget_stub_def, self.p, nullptr) : nullptr);
        held.set(callback.p ? PyWeakref_NewRef(code, callback.p) : nullptr);
        if (!held.p) return -1;
    }
    Ref entry(PyTuple_Pack(2, capsule.p, held.p));
    return entry.p ? PyDict_SetItem(table, key.p, entry.p) : -1;
}

ZRT_INLINE PyObject* spec_code(ModuleState* st, FuncSpec* spec) {
    if (spec->code) return spec->code;
    int flags = CO_OPTIMIZED | CO_NEWLOCALS | spec->extra_flags;
    if (spec->args.flags & ARG_VARARGS) flags |= CO_VARARGS;
    if (spec->args.flags & ARG_VARKW) flags |= CO_VARKEYWORDS;
    if (spec->nfreevars) flags |= CO_NESTED;
    Ref varnames(tuple_of_cstrings(spec->varnames, spec->nvarnames));
    Ref freevars(tuple_of_cstrings(spec->freevars, spec->nfreevars));
    if (!varnames.p || !freevars.p) return nullptr;
    Ref qualname(PyUnicode_FromString(spec->qualname));
    if (!qualname.p) return nullptr;
    PyObject* code = PyObject_CallFunction(st->make_code, "sOOiiiiiOON", spec->name, qualname.p, st->filename,
                                           spec->firstlineno, spec->args.argcount, spec->args.posonly,
                                           spec->args.kwonly, flags, varnames.p, freevars.p,
                                           PyLong_FromVoidPtr((void*)spec->impl));
    if (!code) return nullptr;
    // Remember which C++ implements this stub, process-wide (all compiled modules share the
    // table), so a function given another compiled function's __code__ runs that code.
    // Keyed by the stub's identity: code objects compare equal without regard to their file
    // or body (two lambdas on one line have equal stubs), and an equal key would run the
    // wrong function. The entry keeps the stub alive, so its address is never reused.
    if (register_stub(code, spec->impl) < 0) {
        Py_DECREF(code);
        return nullptr;
    }
    spec->code = code;
    spec->qualname_obj = qualname.release();
    return code;
}

#if !ZRT_LIMITED
// Which vectorcall entries of this module have a body taking the thread state (TsCall),
// keyed by the entry's address: a compiled call site that holds a Python function whose
// entry is one of them enters the body with the caller's thread state, instead of the entry
// looking it up again (PyThreadState_Get: a call into libpython and, from 3.12, a
// __tls_get_addr call - ~35 instructions of the ~150 a method call of deltablue cost on
// 3.13). Direct-mapped and never cleared (the entries are this module's code, which lives
// as long as the table); an entry that collides with another is left out and its calls go
// through the vectorcall entry, as any other function's.
enum { TS_ENTRIES = 512 };
struct TsEntry {
    vectorcallfunc vc;
    TsCall call;
};
static TsEntry ts_entries[TS_ENTRIES];
ZRT_INLINE TsEntry* ts_entry(vectorcallfunc vc) {
    uint64_t a = (uint64_t)(uintptr_t)vc;
    return &ts_entries[(a * 0x9E3779B97F4A7C15ull) >> 55];  // the top 9 bits: TS_ENTRIES
}
ZRT_INLINE void ts_entry_add(vectorcallfunc vc, TsCall call) {
    TsEntry* e = ts_entry(vc);
    if (!e->vc) {
        e->vc = vc;
        e->call = call;
    }
}
// Call `f`, a Python function object (exact or compiled), as its vectorcall slot would, on
// the thread state `ts` the caller holds (nullptr: none in hand).
static inline __attribute__((always_inline)) PyObject* call_function_ts(TState ts, PyObject* f, PyObject* const* args,
                                                                        size_t nargsf, PyObject* kwnames) {
    vectorcallfunc vc = ((PyFunctionObject*)f)->vectorcall;
    TsEntry* e = ts_entry(vc);
    if (e->vc == vc && ts) return e->call(ts, f, args, nargsf, kwnames);
    return vc(f, args, nargsf, kwnames);
}
#endif

// def: create the function object. Borrows every argument; NULL means "not set".
ZRT_INLINE PyObject* make_function(ModuleState* st, FuncSpec* spec, PyObject* defaults, PyObject* kwdefaults,
                                   PyObject* closure, PyObject* annotations, PyObject* doc) {
    PyObject* code = spec_code(st, spec);
    if (!code) return nullptr;
#if ZRT_LIMITED
    FuncObject* lf = PyObject_GC_New(FuncObject, FuncTypeP);
    if (!lf) return nullptr;
    Ref f((PyObject*)lf);
    PyObject** fields = &lf->code;  // every object field, then the weakref list
    for (PyObject** p = fields; p <= &lf->weakreflist; p++) *p = nullptr;
    lf->vectorcall = spec->impl;
    lf->code = newref(code);
    lf->globals = newref(st->globals);
    lf->name = PyUnicode_FromString(spec->name);
    lf->qualname = newref(spec->qualname_obj);
    lf->module = PyDict_GetItemString(st->globals, "__name__");
    Py_XINCREF(lf->module);
    lf->doc = newref(doc ? doc : Py_None);
    lf->defaults = xnewref(defaults == Py_None ? nullptr : defaults);
    lf->kwdefaults = xnewref(kwdefaults == Py_None ? nullptr : kwdefaults);
    lf->closure = xnewref(closure);
    lf->annotations = xnewref(annotations);
    PyObject_GC_Track(f.p);
    if (!lf->name) return nullptr;
    return f.release();
#else
    Ref f(PyFunction_NewWithQualName(code, st->globals, spec->qualname_obj));
    if (!f.p) return nullptr;
    if (defaults && PyFunction_SetDefaults(f.p, defaults) < 0) return nullptr;
    if (kwdefaults && PyFunction_SetKwDefaults(f.p, kwdefaults) < 0) return nullptr;
    if (closure && PyFunction_SetClosure(f.p, closure) < 0) return nullptr;
    if (annotations && PyFunction_SetAnnotations(f.p, annotations) < 0) return nullptr;
    if (PyObject_SetAttrString(f.p, "__doc__", doc ? doc : Py_None) < 0) return nullptr;
#if ZRT_PY(3, 12)
    PyFunction_SetVectorcall((PyFunctionObject*)f.p, spec->impl);
#else
    ((PyFunctionObject*)f.p)->vectorcall = spec->impl;
#endif
    if (spec->impl_ts) ts_entry_add(spec->impl, spec->impl_ts);
    Py_SET_TYPE(f.p, &FunctionType);  // same layout; a static type needs no reference
    return f.release();
#endif
}

// Entering a compiled function counts against the recursion limit, as a Python frame does,
// so runaway recursion is a RecursionError and not a crash of the C stack.
// From 3.12 the interpreter counts Python frames apart from C recursion, and
// sys.setrecursionlimit() sets only the former: a compiled call takes one of each (the C
// count still guards the C stack a compiled call does use).
#if ZRT_LIMITED
static thread_local int compiled_depth = 0;
#elif ZRT_PY(3, 11)
// Exported by CPython 3.11+ for extension modules' inline recursion checks (declared in its
// internal headers only).
extern "C" PyAPI_FUNC(int) _Py_CheckRecursiveCall(PyThreadState* tstate, const char* where);
#endif
struct RecursionGuard {
    bool ok;
#if (ZRT_PY(3, 12) || ZRT_PY(3, 11)) && !ZRT_LIMITED
    // The count as the interpreter's inline _Py_EnterRecursiveCallTstate keeps it, on the
    // thread state the caller has in hand: Py_EnterRecursiveCall/Py_LeaveRecursiveCall
    // would each look the thread state up again (a call into libpython; on 3.12+ also a
    // __tls_get_addr call from a shared library).
    PyThreadState* ts;
    explicit RecursionGuard(TState t) : ok(false), ts(t) {
#if ZRT_PY(3, 12)
        if (ts->py_recursion_remaining <= 0) {
            PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded");
            return;
        }
#if defined(USE_STACKCHECK)
        if (Py_EnterRecursiveCall("")) return;
#else
        // 3.12 tests the count before the decrement with <= 0, 3.13 with < 0
        if (ZRT_PY(3, 13) ? ts->c_recursion_remaining-- < 0 : ts->c_recursion_remaining-- <= 0) {
            if (_Py_CheckRecursiveCall(ts, "")) return;  // it restores the count on failure
        }
#endif
        ts->py_recursion_remaining--;
#else  // 3.11: one count (recursion_remaining) for Python frames and C recursion alike
#if defined(USE_STACKCHECK)
        if (Py_EnterRecursiveCall("")) return;
#else
        if (ts->recursion_remaining-- <= 0 && _Py_CheckRecursiveCall(ts, "")) return;  // (restores it)
#endif
#endif
        ok = true;
    }
    ~RecursionGuard() {
        if (!ok) return;
#if ZRT_PY(3, 12)
        ts->py_recursion_remaining++;
#if defined(USE_STACKCHECK)
        Py_LeaveRecursiveCall();
#else
        ts->c_recursion_remaining++;
#endif
#elif defined(USE_STACKCHECK)
        Py_LeaveRecursiveCall();
#else
        ts->recursion_remaining++;
#endif
    }
#elif ZRT_LIMITED
    // abi3: the thread state's Python-frame count is private. On 3.12+ compiled calls count
    // in a per-thread depth of their own against sys.getrecursionlimit() (interpreted frames
    // between them are not counted); on 3.11 Py_EnterRecursiveCall is that count already.
    explicit RecursionGuard(TState) : ok(false) {
        if (ZRT_RUNNING_PY(3, 12) && compiled_depth >= Py_GetRecursionLimit()) {
            PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded");
            return;
        }
        if (Py_EnterRecursiveCall("")) return;
        compiled_depth++;
        ok = true;
    }
    ~RecursionGuard() {
        if (!ok) return;
        compiled_depth--;
        Py_LeaveRecursiveCall();
    }
#else  // 3.10: the limit is in the interpreter state, which is private
    PyThreadState* ts;
    explicit RecursionGuard(TState t) : ok(Py_EnterRecursiveCall("") == 0), ts(t) {}
    ~RecursionGuard() {
        if (ok) Py_LeaveRecursiveCall();
    }
#endif
    RecursionGuard() : RecursionGuard(current_tstate()) {}
#if ZRT_LIMITED
    TState tstate() const { return nullptr; }
#else
    TState tstate() const { return ts; }
#endif
    RecursionGuard(const RecursionGuard&) = delete;
    RecursionGuard& operator=(const RecursionGuard&) = delete;
};

// f.__code__ was replaced: the function runs what it now holds - interpreted code through the
// interpreter, another compiled function's stub through that function's C++.
ZRT_INLINE bool code_replaced(PyObject* func, FuncSpec* spec) { return PyFunction_GET_CODE(func) != spec->code; }
// Is `f` the compiled function whose stub code object is `code` (a direct call's guard)?
ZRT_INLINE bool is_this_function(PyObject* f, PyObject* code) {
    return Py_TYPE(f) == &FunctionType && PyFunction_GET_CODE(f) == code;
}

// Direct method calls (translator/methodcalls.py). A call site `obj.m(args)` compares the
// code object of the plain function its method lookup gave (`is_meth` 1: an unbound method,
// obj first) with the stubs of the compiled methods named m, and on a match enters that
// method's body entry MP_<n> with the arguments bound: the same body b_<k> runs after
// binding, so the frame, the recursion count and tracebacks are the same. Anything else
// (a bound method, another callable, a function whose __code__ was replaced) gives an
// address no code object has, and the site makes the generic call.
static const char no_code = 0;
ZRT_INLINE PyObject* method_code(int is_meth, PyObject* meth) {
    if (is_meth == 1 && Py_TYPE(meth) == &FunctionType) return PyFunction_GET_CODE(meth);
    return (PyObject*)&no_code;
}

// The lookup gave the attribute itself (`is_meth` 0): a plain function (a staticmethod's)
// is called with the arguments alone; a bound method of one (a classmethod's, `*func` set
// to its function) with its self first.
ZRT_INLINE PyObject* function_code(int is_meth, PyObject* f) {
    if (is_meth == 0 && Py_TYPE(f) == &FunctionType) return PyFunction_GET_CODE(f);
    return (PyObject*)&no_code;
}
#if !ZRT_LIMITED
ZRT_INLINE PyObject* bound_method_code(int is_meth, PyObject* m, PyObject** func) {
    if (is_meth != 0 || Py_TYPE(m) != &PyMethod_Type) return (PyObject*)&no_code;
    *func = PyMethod_GET_FUNCTION(m);
    return Py_TYPE(*func) == &FunctionType ? PyFunction_GET_CODE(*func) : (PyObject*)&no_code;
}
ZRT_INLINE PyObject* bound_self(PyObject* m) { return PyMethod_GET_SELF(m); }
#else
ZRT_INLINE PyObject* bound_method_code(int, PyObject*, PyObject**) { return (PyObject*)&no_code; }
ZRT_INLINE PyObject* bound_self(PyObject*) { return nullptr; }  // (never called: no code matches)
#endif

// b_<k> of a method with a body entry when binding failed: the slots bound so far released.
ZRT_INLINE PyObject* release_slots(PyObject** slots, size_t n) {
    for (size_t i = 0; i < n; i++) Py_XDECREF(slots[i]);
    return nullptr;
}

// The body entry of a method whose def was not compiled: its MK_<n>() is nullptr, which no
// function's code is, so no call site gets here.
ZRT_INLINE PyObject* no_method_entry() {
    PyErr_SetString(PyExc_SystemError, "ziggurat: the body entry of an uncompiled method was called");
    return nullptr;
}

// Is `code` the stub of `spec` with other co_flags only? types.coroutine() makes such a copy
// (code.replace(co_flags=... | CO_ITERABLE_COROUTINE)) of a generator function's code when it
// takes the function for a plain one: an abi3 function answers types.FunctionType for
// __class__. The copy keeps the stub's constants, the address of the C++ among them, so an
// equal code object with the stub's flags is a copy of this very stub.
ZRT_INLINE int is_flags_copy(PyObject* code, FuncSpec* spec) {
    Ref flags(PyObject_GetAttrString(spec->code, "co_flags"));
    Ref replace(flags.p ? PyObject_GetAttrString(code, "replace") : nullptr);
    Ref noargs(PyTuple_New(0));
    Ref kw(PyDict_New());
    if (!replace.p || !noargs.p || !kw.p || PyDict_SetItemString(kw.p, "co_flags", flags.p) < 0) return -1;
    Ref back(PyObject_Call(replace.p, noargs.p, kw.p));
    return back.p ? PyObject_RichCompareBool(back.p, spec->code, Py_EQ) : -1;
}

// The function runs a flags-only copy of its own stub: `create` makes the generator as the
// stub itself would. CO_ITERABLE_COROUTINE makes a CPython generator awaitable as itself; a
// compiled generator is not CPython's type, so it is wrapped as types.coroutine() wraps
// generators of other kinds (types._GeneratorWrapper, awaitable, forwarding the rest) - what
// the version-specific build gets from types.coroutine() directly.
ZRT_INLINE PyObject* call_flags_copy(PyObject* func, vectorcallfunc create, PyObject* const* args, size_t nargsf,
                                     PyObject* kwnames) {
    Ref gen(create(func, args, nargsf, kwnames));
    Ref flags(gen.p ? PyObject_GetAttrString(PyFunction_GET_CODE(func), "co_flags") : nullptr);
    if (!flags.p) return nullptr;
    long f = PyLong_AsLong(flags.p);
    if (f == -1 && PyErr_Occurred()) return nullptr;
    if (!(f & CO_ITERABLE_COROUTINE) || !(f & CO_GENERATOR)) return gen.release();
    Ref types(PyImport_ImportModule("types"));
    Ref wrapper(types.p ? PyObject_GetAttrString(types.p, "_GeneratorWrapper") : nullptr);
    return wrapper.p ? PyObject_CallOneArg(wrapper.p, gen.p) : nullptr;
}

// f.__code__ is not the stub of `spec`, the function f was made for. `create` makes a
// generator function's generator (NULL for other functions): it runs the body when the code
// is a copy of the stub with other flags (see is_flags_copy).
ZRT_INLINE PyObject* call_replaced_code(PyObject* func, FuncSpec* spec, vectorcallfunc create, PyObject* const* args,
                                        size_t nargsf, PyObject* kwnames) {
    PyObject* code = PyFunction_GET_CODE(func);
    PyObject* table = stub_table(false);  // borrowed
    Ref key(PyLong_FromVoidPtr(code));
    if (!key.p) return nullptr;
    PyObject* entry = table ? PyDict_GetItemWithError(table, key.p) : nullptr;  // borrowed
    if (!entry && PyErr_Occurred()) return nullptr;
    if (!entry && create) {
        // first call since the copy was made: recognise it once, then the table answers
        int copy = is_flags_copy(code, spec);
        if (copy < 0) return nullptr;
        if (copy) {
            if (register_stub(code, spec->impl, true) < 0) return nullptr;
            return call_flags_copy(func, create, args, nargsf, kwnames);
        }
    }
    if (entry) {
        vectorcallfunc f = (vectorcallfunc)PyCapsule_GetPointer(PyTuple_GetItem(entry, 0), "ziggurat.impl");
        if (!f) return nullptr;
        if (f != spec->impl) return f(func, args, nargsf, kwnames);
        // a copy of this stub (only flags-only copies of generator functions' stubs are
        // registered beside the stubs themselves): calling f again would come back here
        if (!create) {
            PyErr_SetString(PyExc_SystemError, "ziggurat: a compiled function's code copied with other flags");
            return nullptr;
        }
        return call_flags_copy(func, create, args, nargsf, kwnames);
    }
#if ZRT_LIMITED
    // interpreted code: run it as a plain function with the same state (cells of compiled
    // closures are not the interpreter's, so a closure cannot be handed over)
    FuncObject* lf = (FuncObject*)func;
    if (lf->closure && PyTuple_Size(lf->closure)) {
        PyErr_SetString(PyExc_SystemError, "ziggurat (abi3): a closure's __code__ replaced by interpreted code");
        return nullptr;
    }
    Ref plain(PyObject_CallFunctionObjArgs(ltypes.function, lf->code, lf->globals, lf->name,
                                           lf->defaults ? lf->defaults : Py_None, nullptr));
    if (!plain.p || (lf->kwdefaults && PyObject_SetAttrString(plain.p, "__kwdefaults__", lf->kwdefaults) < 0) ||
        PyObject_SetAttrString(plain.p, "__qualname__", lf->qualname) < 0)
        return nullptr;
    return PyObject_Vectorcall(plain.p, args, nargsf, kwnames);
#else
    // interpreted code: run it as a plain function with the same state
    PyFunctionObject* f = (PyFunctionObject*)func;
    Ref plain(PyFunction_NewWithQualName(f->func_code, f->func_globals, f->func_qualname));
    if (!plain.p) return nullptr;
    if ((f->func_defaults && PyFunction_SetDefaults(plain.p, f->func_defaults) < 0) ||
        (f->func_kwdefaults && PyFunction_SetKwDefaults(plain.p, f->func_kwdefaults) < 0) ||
        (f->func_closure && PyFunction_SetClosure(plain.p, f->func_closure) < 0))
        return nullptr;
    return PyObject_Vectorcall(plain.p, args, nargsf, kwnames);
#endif
}

ZRT_INLINE PyObject* closure_cell(PyObject* func, int i) {
    return PyTuple_GET_ITEM(PyFunction_GET_CLOSURE(func), i);
}

}  // namespace zrt

namespace zrt {

// except* T: split `rest` into the part T matches (*match) and the rest (*rest_out).
ZRT_INLINE int eg_match(ModuleState* st, PyObject* rest, PyObject* type, PyObject** match, PyObject** rest_out) {
    *match = *rest_out = nullptr;
    PyObject* args[] = {rest ? rest : Py_None, type};
    Ref pair(PyObject_Vectorcall(st->eg_match, args, 2, nullptr));
    if (!pair.p) return -1;
    PyObject* m = PyTuple_GET_ITEM(pair.p, 0);
    PyObject* r = PyTuple_GET_ITEM(pair.p, 1);
    *match = m == Py_None ? nullptr : newref(m);
    *rest_out = r == Py_None ? nullptr : newref(r);
    return 0;
}

// After the except* clauses: what is raised again (NULL result with no error: nothing).
ZRT_INLINE int prep_reraise_star(ModuleState* st, PyObject* orig, PyObject* excs, PyObject** out) {
    PyObject* args[] = {orig, excs};
    Ref r(PyObject_Vectorcall(st->prep_reraise_star, args, 2, nullptr));
    if (!r.p) return -1;
    *out = r.p == Py_None ? nullptr : r.release();
    return 0;
}

}  // namespace zrt
