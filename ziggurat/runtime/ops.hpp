// Name lookups, calls, unpacking, comparisons and displays with CPython's semantics.
#pragma once
#include "exceptions.hpp"
#include "function.hpp"

#if !ZRT_LIMITED
// Exported by every supported CPython (3.10-3.13) but declared only in internal headers
// from 3.13 on: the interpreter's own LOAD_METHOD and BUILD_STRING primitives.
// PyAPI_FUNC as in CPython's own declarations: on Windows it is __declspec(dllimport), and
// a plain redeclaration after the headers' one draws -Winconsistent-dllimport.
extern "C" PyAPI_FUNC(int) _PyObject_GetMethod(PyObject* obj, PyObject* name, PyObject** method);
extern "C" PyAPI_FUNC(PyObject*) _PyUnicode_JoinArray(PyObject* separator, PyObject* const* items, Py_ssize_t seqlen);
#endif

namespace zrt {

// LOAD_GLOBAL: globals, then builtins; NameError otherwise. New reference.
ZRT_INLINE PyObject* load_global(ModuleState* st, PyObject* name) {
    PyObject* v = PyDict_GetItemWithError(st->globals, name);
    if (v) return newref(v);
    if (PyErr_Occurred()) return nullptr;
    if (PyDict_CheckExact(st->builtins)) {
        v = PyDict_GetItemWithError(st->builtins, name);
        if (v) return newref(v);
        if (PyErr_Occurred()) return nullptr;
    } else {
        v = PyObject_GetItem(st->builtins, name);
        if (v) return v;
        if (!PyErr_ExceptionMatches(PyExc_KeyError)) return nullptr;
        PyErr_Clear();
    }
    name_error(name);
    return nullptr;
}


// Is object.__new__(tp) (no arguments, tp not abstract) nothing but tp->tp_alloc(tp, 0)?
// Yes where its instances have no dict to set up (CPython 3.10-3.13's object_new).
#if !ZRT_LIMITED
ZRT_INLINE bool alloc_only(PyTypeObject* tp) {
#ifdef Py_TPFLAGS_MANAGED_DICT
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) return false;
#endif
    return tp->tp_dictoffset == 0 && tp->tp_new == PyBaseObject_Type.tp_new;
}

// object.__new__(tp) with no arguments, for a class plain_class_init accepted: it also sets
// up the instance's values array (3.11/3.12), which tp_alloc alone leaves to a dict made at
// the first store; for a class whose instances have no __dict__ (the slots classes: its
// _PyObject_InitializeDict does nothing for them) it is tp_alloc.
ZRT_INLINE PyObject* new_bare_instance(PyTypeObject* tp) {
    if (alloc_only(tp)) return tp->tp_alloc(tp, 0);
    static PyObject* no_args = nullptr;
    if (!no_args && !(no_args = PyTuple_New(0))) return nullptr;
    return tp->tp_new(tp, no_args, nullptr);
}
#else
ZRT_INLINE PyObject* new_bare_instance(PyTypeObject*) { return nullptr; }  // (plain_class_init accepts none)
#endif

// The __init__ (borrowed) that `cls(...)` runs when cls's instances come from
// object.__new__ and its __init__ is a plain or compiled function, called through `type`
// itself (no metaclass __call__): type_call -> object_new -> slot_tp_init then do nothing
// but allocate and call that function. nullptr (no error set) for anything else: a
// metaclass, a custom __new__, an abstract class, __init__ of any other kind.
ZRT_INLINE PyObject* plain_class_init(PyObject* cls) {
#if ZRT_LIMITED
    (void)cls;
    return nullptr;
#else
    PyTypeObject* tp = (PyTypeObject*)cls;
    if (Py_TYPE(cls) != &PyType_Type || tp->tp_new != PyBaseObject_Type.tp_new || (tp->tp_flags & Py_TPFLAGS_IS_ABSTRACT))
        return nullptr;
    // The __init__ a class gave, remembered per module with the class's version tag (what
    // CALL_ALLOC_AND_ENTER_INIT keeps in its inline cache): any change to the class or a base
    // changes the tag, and the class's MRO holds the function while it does not. 0 is no
    // tag (3.11/3.12 also clear Py_TPFLAGS_VALID_VERSION_TAG then; 3.13 only zeroes it).
    struct InitEntry {
        unsigned int version;
        PyObject* init;  // borrowed
    };
    static InitEntry init_cache[16];
    unsigned int version = tp->tp_version_tag;
#if PY_VERSION_HEX < 0x030D0000
    if (!(tp->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG)) version = 0;
#endif
    InitEntry* entry = &init_cache[version & 15];
    if (version && entry->version == version) return entry->init;
    static PyObject* init_name = nullptr;
    if (!init_name && !(init_name = PyUnicode_InternFromString("__init__"))) {
        PyErr_Clear();
        return nullptr;
    }
    PyObject* init = _PyType_Lookup(tp, init_name);  // borrowed
    if (!init || (Py_TYPE(init) != &FunctionType && Py_TYPE(init) != &PyFunction_Type)) return nullptr;
    // _PyType_Lookup may have assigned the tag; a tag that changed meanwhile is not cached
    if (version && tp->tp_version_tag == version) {
        entry->version = version;
        entry->init = init;
    }
    return init;
#endif
}

// What type_call does with __init__'s result `r` for the new instance `self` (both owned):
// self, or nullptr with the error of a failed __init__ or of one that returned non-None.
ZRT_INLINE PyObject* init_returned(PyObject* self, PyObject* r) {
    if (!r) {
        Py_DECREF(self);
        return nullptr;
    }
    if (r != Py_None) {
        PyErr_Format(PyExc_TypeError, "__init__() should return None, not '%.200s'", ZRT_TP_NAME(Py_TYPE(r)));
        Py_DECREF(r);
        Py_DECREF(self);
        return nullptr;
    }
    Py_DECREF(r);
    return self;
}

// C(args) for a class plain_class_init accepts: what type_call -> object_new -> slot_tp_init
// do, without the argument tuple/dict they build and the bound method slot_tp_init makes
// (CPython 3.13's CALL_ALLOC_AND_ENTER_INIT). Anything else returns `not_taken` and the
// caller makes the generic call. `args` has a writable slot before it when nargsf says
// PY_VECTORCALL_ARGUMENTS_OFFSET.
ZRT_INLINE PyObject* new_instance_fast(TState ts, PyObject* cls, PyObject* const* args, size_t nargsf,
                                       PyObject* kwnames, bool* not_taken) {
    *not_taken = true;
#if ZRT_LIMITED
    (void)ts, (void)cls, (void)args, (void)nargsf, (void)kwnames;
    return nullptr;
#else
    if (!(nargsf & PY_VECTORCALL_ARGUMENTS_OFFSET)) return nullptr;
    PyObject* init = plain_class_init(cls);
    if (!init) return nullptr;
    *not_taken = false;
    // Held from here: the class may be changed while __init__ runs, or by a finalizer the
    // allocation's collection runs
    Py_INCREF(init);
    PyObject* self = new_bare_instance((PyTypeObject*)cls);
    if (!self) {
        Py_DECREF(init);
        return nullptr;
    }
    PyObject** slots = const_cast<PyObject**>(args) - 1;
    PyObject* saved = slots[0];
    slots[0] = self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    // Straight into the function's vectorcall slot (both function types have one), as the
    // interpreter enters __init__'s frame: PyObject_Vectorcall would look the thread state
    // up again only to check the result.
    PyObject* r = call_function_ts(ts, init, slots, (size_t)(nargs + 1), kwnames);
    slots[0] = saved;
    Py_DECREF(init);
    return init_returned(self, r);
#endif
}

// Direct instantiation sites (translator/methodcalls.py construct_site): `C(a, b)` whose
// argument count matches compiled `__init__` methods of the module. The code object of the
// __init__ that `C(...)` would run (plain_class_init; *init set to the function), compared
// by the site with each candidate's stub; anything else (not a class, another kind of
// class or __init__, a replaced __code__) gives an address no code object has.
ZRT_INLINE PyObject* class_init_code(PyObject* cls, PyObject** init) {
#ifdef Py_GIL_DISABLED
    // (another thread may change the class and free the borrowed __init__ meanwhile)
    (void)cls, (void)init;
    return (PyObject*)&no_code;
#else
    if (!PyType_Check(cls)) return (PyObject*)&no_code;
    PyObject* f = plain_class_init(cls);
    if (!f || Py_TYPE(f) != &FunctionType) return (PyObject*)&no_code;
    *init = f;
    return PyFunction_GET_CODE(f);
#endif
}

// The matched site's call: a new instance of `cls`, handed to `enter` (the candidate's
// MP_<n> with the site's arguments), and type_call's check of what it returned.
template <typename Enter>
ZRT_INLINE PyObject* construct(PyObject* cls, PyObject* init, Enter enter) {
    Py_INCREF(init);  // (as in new_instance_fast)
    PyObject* self = new_bare_instance((PyTypeObject*)cls);
    if (!self) {
        Py_DECREF(init);
        return nullptr;
    }
    PyObject* r = enter(self);
    Py_DECREF(init);
    return init_returned(self, r);
}

// `x <op> y` of two machine values (rich_compare, compare_truth, and the native tier's
// comparisons in native.hpp).
template <typename T>
static inline __attribute__((always_inline)) int compare_order(T x, T y, int op) {
    switch (op) {
        case Py_LT: return x < y;
        case Py_LE: return x <= y;
        case Py_EQ: return x == y;
        case Py_NE: return x != y;
        case Py_GT: return x > y;
        default: return x >= y;
    }
}

// An exact int's value when it is a single digit (no allocation, no error), else false.
ZRT_INLINE bool small_long_value(PyObject* v, long* out) {
#if ZRT_LIMITED
    (void)v;
    (void)out;
    return false;
#elif PY_VERSION_HEX >= 0x030C0000
    if (!PyUnstable_Long_IsCompact((PyLongObject*)v)) return false;
    *out = (long)PyUnstable_Long_CompactValue((PyLongObject*)v);
    return true;
#else
    Py_ssize_t size = Py_SIZE(v);
    if (size < -1 || size > 1) return false;
    *out = (long)size * (long)((PyLongObject*)v)->ob_digit[0];
    return true;
#endif
}

// `a op b` of the generic tier (a Compare the specialised tier does not take). Two exact
// ints of one machine word each (every small int; deltablue's directions and marks) are
// compared here, as long_richcompare would compare them, without its dispatch through
// PyObject_RichCompare (~45 instructions, 3% of deltablue on 3.13); anything else is
// PyObject_RichCompare itself.
ZRT_INLINE PyObject* rich_compare(PyObject* a, PyObject* b, int op) {
#if !ZRT_LIMITED
    long x, y;
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b) && small_long_value(a, &x) && small_long_value(b, &y))
        return Py_NewRef(compare_order(x, y, op) ? Py_True : Py_False);
#endif
    return PyObject_RichCompare(a, b, op);
}

// Binary operators of the generic tier (operands that are objects: attributes, items,
// globals) on exact ints, as the interpreter's BINARY_OP_ADD_INT / SUBTRACT_INT do, without
// binary_op1's dispatch (ints have no in-place slots: `+=` on them is `+`):
// - `+` / `-` of two ints of one digit each (|v| < 2**30: the result fits a C long
//   everywhere): go's `self.ledges += 1`, `TIMESTAMP += 1`;
// - `&` / `|` / `^` of two ints that fit in int64: the operation on the machine words is
//   the one on the unbounded two's complement Python defines (go's zobrist hashing,
//   `self.hash ^= square.zobrist_strings[color]` on random 63-bit ints: ~226 instructions
//   an `^=` through PyNumber_InPlaceXor and long_bitwise's digit loops).
// Results are boxed as the int operations box theirs (small ints from the interpreter's
// cache); anything else is the C API call.
enum IntOp { IOP_ADD, IOP_SUB, IOP_AND, IOP_OR, IOP_XOR };

#if !ZRT_LIMITED
ZRT_INLINE bool two_small_ints(PyObject* a, PyObject* b, long* x, long* y) {
    return PyLong_CheckExact(a) && PyLong_CheckExact(b) && small_long_value(a, x) && small_long_value(b, y);
}
#endif

// An exact int's value read from its digits when it has at most three (30-bit digits) and
// fits in int64 (the third digit below 8: |v| < 2**63), else false. go's zobrist hashes
// are random ints below 2**63, three digits mostly: PyLong_AsLongLongAndOverflow cost ~65
// instructions for each operand of each `^=`.
ZRT_INLINE bool int64_digits(PyObject* v, long long* out) {
#if ZRT_LIMITED || PYLONG_BITS_IN_DIGIT != 30
    (void)v;
    (void)out;
    return false;
#else
#if PY_VERSION_HEX >= 0x030C0000
    uintptr_t tag = ((PyLongObject*)v)->long_value.lv_tag;  // digits << 3 | flags | sign
    size_t n = tag >> 3;
    bool negative = (tag & 3) == 2;
    const digit* d = ((PyLongObject*)v)->long_value.ob_digit;
#else
    Py_ssize_t size = Py_SIZE(v);
    size_t n = size < 0 ? (size_t)-size : (size_t)size;
    bool negative = size < 0;
    const digit* d = ((PyLongObject*)v)->ob_digit;
#endif
    if (n > 3 || (n == 3 && d[2] >= 8)) return false;
    unsigned long long m = n ? d[0] : 0;
    if (n >= 2) m |= (unsigned long long)d[1] << 30;
    if (n == 3) m |= (unsigned long long)d[2] << 60;
    *out = negative ? -(long long)m : (long long)m;
    return true;
#endif
}

ZRT_INLINE bool int64_value(PyObject* v, long long* out) {
    if (int64_digits(v, out)) return true;
    int over = 0;  // (an exact int converts without an error)
    *out = PyLong_AsLongLongAndOverflow(v, &over);
    return !over;
}

ZRT_INLINE bool two_int64s(PyObject* a, PyObject* b, long long* x, long long* y) {
    if (!PyLong_CheckExact(a) || !PyLong_CheckExact(b)) return false;
    return int64_value(a, x) && int64_value(b, y);
}

// `a op b` (inplace: `a op= b`) through the C API
__attribute__((noinline)) static PyObject* number_binop(PyObject* a, PyObject* b, IntOp op, bool inplace) {
    switch (op) {
        case IOP_ADD: return inplace ? PyNumber_InPlaceAdd(a, b) : PyNumber_Add(a, b);
        case IOP_SUB: return inplace ? PyNumber_InPlaceSubtract(a, b) : PyNumber_Subtract(a, b);
        case IOP_AND: return inplace ? PyNumber_InPlaceAnd(a, b) : PyNumber_And(a, b);
        case IOP_OR: return inplace ? PyNumber_InPlaceOr(a, b) : PyNumber_Or(a, b);
        default: return inplace ? PyNumber_InPlaceXor(a, b) : PyNumber_Xor(a, b);
    }
}

ZRT_INLINE PyObject* int_binop(PyObject* a, PyObject* b, IntOp op, bool inplace) {
    if (op == IOP_ADD || op == IOP_SUB) {
#if !ZRT_LIMITED
        long x, y;
        if (two_small_ints(a, b, &x, &y)) return PyLong_FromLong(op == IOP_ADD ? x + y : x - y);
#endif
    } else {
        long long x, y;
        if (two_int64s(a, b, &x, &y)) return PyLong_FromLongLong(op == IOP_AND ? x & y : op == IOP_OR ? x | y : x ^ y);
    }
    return number_binop(a, b, op, inplace);
}

ZRT_INLINE PyObject* add(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_ADD, false); }
ZRT_INLINE PyObject* subtract(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_SUB, false); }
ZRT_INLINE PyObject* bit_and(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_AND, false); }
ZRT_INLINE PyObject* bit_or(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_OR, false); }
ZRT_INLINE PyObject* bit_xor(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_XOR, false); }
ZRT_INLINE PyObject* inplace_add(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_ADD, true); }
ZRT_INLINE PyObject* inplace_subtract(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_SUB, true); }
ZRT_INLINE PyObject* inplace_and(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_AND, true); }
ZRT_INLINE PyObject* inplace_or(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_OR, true); }
ZRT_INLINE PyObject* inplace_xor(PyObject* a, PyObject* b) { return int_binop(a, b, IOP_XOR, true); }

// A call site's PyObject_Vectorcall, with the class-instantiation shortcut above, on the
// thread state the caller holds (nullptr: none in hand). A Python function, or a bound
// method of one (`Strength.stronger(a, b)` of a classmethod), is entered as the interpreter
// enters it: its self put in the writable slot before the arguments, the function's body
// given the thread state (call_function_ts) - PyObject_Vectorcall and the bound method's
// own vectorcall would each look the thread state up again.
ZRT_INLINE PyObject* call_vector(TState ts, PyObject* f, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
    if (PyType_Check(f)) {
        bool not_taken;
        PyObject* r = new_instance_fast(ts, f, args, nargsf, kwnames, &not_taken);
        if (!not_taken) return r;
    }
#if !ZRT_LIMITED
    if (Py_TYPE(f) == &FunctionType || Py_TYPE(f) == &PyFunction_Type)
        return call_function_ts(ts, f, args, nargsf, kwnames);
    if (Py_TYPE(f) == &PyMethod_Type && (nargsf & PY_VECTORCALL_ARGUMENTS_OFFSET)) {
        PyObject* func = PyMethod_GET_FUNCTION(f);
        if (Py_TYPE(func) == &FunctionType || Py_TYPE(func) == &PyFunction_Type) {
            PyObject** slots = const_cast<PyObject**>(args) - 1;
            PyObject* saved = slots[0];
            Py_INCREF(f);  // the call may drop the caller's last reference to the bound method
            slots[0] = PyMethod_GET_SELF(f);
            PyObject* r = call_function_ts(ts, func, slots, (size_t)PyVectorcall_NARGS(nargsf) + 1, kwnames);
            slots[0] = saved;
            Py_DECREF(f);
            return r;
        }
    }
#endif
    return PyObject_Vectorcall(f, args, nargsf, kwnames);
}

// f(a): the one-argument calls of builtin types that the interpreter also shortcuts
// (str(x), type(x), tuple(x), list(x)); anything else is an ordinary vectorcall.
ZRT_INLINE PyObject* call_one(PyObject* f, PyObject* a, TState ts = nullptr) {
    if (f == (PyObject*)&PyUnicode_Type) return PyObject_Str(a);
    if (f == (PyObject*)&PyType_Type) return newref((PyObject*)Py_TYPE(a));
    if (f == (PyObject*)&PyTuple_Type) return PySequence_Tuple(a);
    if (f == (PyObject*)&PyList_Type) return PySequence_List(a);
    PyObject* args[] = {nullptr, a};
    return call_vector(ts, f, args + 1, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
}

// LOAD_NAME in a class body: the namespace mapping first.
ZRT_INLINE PyObject* load_class_name(ModuleState* st, PyObject* ns, PyObject* name) {
    if (PyDict_CheckExact(ns)) {
        PyObject* v = PyDict_GetItemWithError(ns, name);
        if (v) return newref(v);
        if (PyErr_Occurred()) return nullptr;
    } else {
        PyObject* v = PyObject_GetItem(ns, name);
        if (v) return v;
        if (!PyErr_ExceptionMatches(PyExc_KeyError)) return nullptr;
        PyErr_Clear();
    }
    return load_global(st, name);
}

// A free variable read in a class body: the namespace first, then the cell.
ZRT_INLINE PyObject* load_class_deref(PyObject* ns, PyObject* name, PyObject* cell, const char* cname) {
    PyObject* v = PyMapping_Check(ns) ? PyObject_GetItem(ns, name) : nullptr;
    if (v) return v;
    if (!PyErr_ExceptionMatches(PyExc_KeyError)) return nullptr;
    PyErr_Clear();
    v = PyCell_GET(cell);
    if (!v) {
        unbound_free(cname);
        return nullptr;
    }
    return newref(v);
}

ZRT_INLINE int store_name(PyObject* ns, PyObject* name, PyObject* v) {  // borrows v
    if (PyDict_CheckExact(ns)) return PyDict_SetItem(ns, name, v);
    return PyObject_SetItem(ns, name, v);
}

ZRT_INLINE int delete_global(ModuleState* st, PyObject* name) {
    if (PyDict_DelItem(st->globals, name) < 0) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            name_error(name);
        }
        return -1;
    }
    return 0;
}

ZRT_INLINE int delete_name(ModuleState* st, PyObject* ns, PyObject* name) {
    if (PyObject_DelItem(ns, name) < 0) {
        if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            name_error(name);
        }
        return -1;
    }
    (void)st;
    return 0;
}

ZRT_INLINE PyObject* load_cell(PyObject* cell, const char* name, bool is_free) {
    PyObject* v = PyCell_GET(cell);
    if (!v) {
        if (is_free) unbound_free(name);
        else unbound_local(name);
        return nullptr;
    }
    return newref(v);
}

ZRT_INLINE int store_cell(PyObject* cell, PyObject* v) {  // steals v
    PyObject* old = PyCell_GET(cell);
    PyCell_SET(cell, v);
    Py_XDECREF(old);
    return 0;
}

// f(*args, **kwargs) with the iterable/mapping checks CPython makes at the call site.
// list.extend(iterable) without the private helpers removed in 3.13.
ZRT_INLINE PyObject* list_extend_raw(PyObject* list, PyObject* iterable) {
#if ZRT_LIMITED
    // list[len:] = iterable, which is what extend does
    if (PyList_SetSlice(list, PY_SSIZE_T_MAX, PY_SSIZE_T_MAX, iterable) < 0) return nullptr;
    return newref(Py_None);
#elif ZRT_PY(3, 13)
    if (PyList_Extend(list, iterable) < 0) return nullptr;
    return newref(Py_None);
#else
    return _PyList_Extend((PyListObject*)list, iterable);
#endif
}

// dict(**a, **b) merging: a repeated key is an error (KeyError carrying the key).
ZRT_INLINE int dict_merge_unique(PyObject* dict, PyObject* mapping) {
    Ref keys(PyMapping_Keys(mapping));
    if (!keys.p) return -1;
    Py_ssize_t n = PyList_GET_SIZE(keys.p);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject* k = PyList_GET_ITEM(keys.p, i);
        int has = PyDict_Contains(dict, k);
        if (has < 0) return -1;
        if (has) {
            PyErr_SetObject(PyExc_KeyError, k);
            return -1;
        }
        Ref v(PyObject_GetItem(mapping, k));
        if (!v.p || PyDict_SetItem(dict, k, v.p) < 0) return -1;
    }
    return 0;
}

ZRT_INLINE PyObject* call_ex(PyObject* f, PyObject* args_tuple, PyObject* kwargs) {
    return PyObject_Call(f, args_tuple, kwargs);
}

// "module.qualname()" the way CPython names a callable in call-site errors.
ZRT_INLINE PyObject* function_str(PyObject* f) {
    Ref qualname(PyObject_GetAttrString(f, "__qualname__"));
    if (!qualname.p) {
        PyErr_Clear();
        return PyObject_Str(f);
    }
    Ref module(PyObject_GetAttrString(f, "__module__"));
    if (!module.p) PyErr_Clear();
    if (module.p && module.p != Py_None && PyUnicode_Check(module.p) &&
        PyUnicode_CompareWithASCIIString(module.p, "builtins") != 0)
        return PyUnicode_FromFormat("%U.%U()", module.p, qualname.p);
    return PyUnicode_FromFormat("%U()", qualname.p);
}

// Extend the positional-argument list by a star argument.
ZRT_INLINE int extend_star_args(PyObject* list, PyObject* func, PyObject* it) {
    Ref r(list_extend_raw(list, it));
    if (r.p) return 0;
    if (PyErr_ExceptionMatches(PyExc_TypeError) && ZRT_TP_ITER(Py_TYPE(it)) == nullptr && !PySequence_Check(it)) {
        PyErr_Clear();
        Ref fs(function_str(func));
        if (fs.p)
            PyErr_Format(PyExc_TypeError, "%U argument after * must be an iterable, not %.200s", fs.p,
                         ZRT_TP_NAME(Py_TYPE(it)));
    }
    return -1;
}

// Merge a ** argument into the kwargs dict: duplicate keys are errors.
ZRT_INLINE int merge_star_kwargs(PyObject* dict, PyObject* func, PyObject* mapping) {
    if (!PyMapping_Check(mapping) || !PyObject_HasAttrString(mapping, "keys")) {
        PyErr_Clear();
        PyErr_SetString(PyExc_AttributeError, "keys");
    } else if (dict_merge_unique(dict, mapping) == 0) {
        return 0;
    }
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        Ref fs(function_str(func));
        if (fs.p)
            PyErr_Format(PyExc_TypeError, "%U argument after ** must be a mapping, not %.200s", fs.p,
                         ZRT_TP_NAME(Py_TYPE(mapping)));
    } else if (PyErr_ExceptionMatches(PyExc_KeyError)) {
        Ref exc(fetch_exception());
        Ref args(exc.p ? PyObject_GetAttrString(exc.p, "args") : nullptr);
        Ref fs(function_str(func));
        if (args.p && fs.p && PyTuple_Check(args.p) && PyTuple_GET_SIZE(args.p) == 1) {
            PyErr_Format(PyExc_TypeError, "%U got multiple values for keyword argument '%S'", fs.p,
                         PyTuple_GET_ITEM(args.p, 0));
        } else if (exc.p && !PyErr_Occurred()) {
            restore_exception(exc.release());
        }
    }
    return -1;
}

ZRT_INLINE int add_keyword(PyObject* dict, PyObject* func, PyObject* key, PyObject* value) {
    int has = PyDict_Contains(dict, key);
    if (has < 0) return -1;
    if (has) {
        Ref fs(function_str(func));
        if (fs.p) PyErr_Format(PyExc_TypeError, "%U got multiple values for keyword argument '%S'", fs.p, key);
        return -1;
    }
    return PyDict_SetItem(dict, key, value);
}

// Loop iterations since the last check for signals. CPython runs pending signal handlers
// (a KeyboardInterrupt from Ctrl-C) at every loop back edge; compiled loops call
// PyErr_CheckSignals on every 1024th iteration (a few microseconds), so a long compiled loop
// stays interruptible at nearly no cost. One counter per module (internal linkage), shared
// by all its loops: the GIL orders them.
static unsigned loop_ticks = 0;
// The count alone, for native loop copies (fused loops, int loops): true when pending signals
// are due for a check (the loop first makes its locals what CPython's would be: a handler
// may look at them).
ZRT_INLINE bool loop_tick_due() { return __builtin_expect((++loop_ticks & 1023u) == 0, 0); }
ZRT_INLINE int loop_tick() { return loop_tick_due() ? PyErr_CheckSignals() : 0; }

// iter() for an unpacking assignment, with its message for what cannot be iterated.
ZRT_INLINE PyObject* unpack_iter(PyObject* seq) {
    PyObject* it = PyObject_GetIter(seq);
    if (!it && PyErr_ExceptionMatches(PyExc_TypeError) && ZRT_TP_ITER(Py_TYPE(seq)) == nullptr &&
        !PySequence_Check(seq)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.200s object", ZRT_TP_NAME(Py_TYPE(seq)));
    }
    return it;
}

// Unpack exactly n items (a, b = x) into out[] as new references.
ZRT_INLINE int unpack(PyObject* seq, Py_ssize_t n, PyObject** out) {
    if (PyTuple_CheckExact(seq) || PyList_CheckExact(seq)) {
#if ZRT_LIMITED
        Py_ssize_t size = PySequence_Size(seq);
        if (size == n) {
            for (Py_ssize_t i = 0; i < n; i++)
                out[i] = newref(PyTuple_CheckExact(seq) ? PyTuple_GetItem(seq, i) : PyList_GetItem(seq, i));
            return 0;
        }
#else
        Py_ssize_t size = PySequence_Fast_GET_SIZE(seq);
        if (size == n) {
            PyObject** items = PySequence_Fast_ITEMS(seq);
            for (Py_ssize_t i = 0; i < n; i++) out[i] = newref(items[i]);
            return 0;
        }
#endif
        if (size < n)
            PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected %zd, got %zd)", n, size);
        else
            PyErr_Format(PyExc_ValueError, "too many values to unpack (expected %zd)", n);
        return -1;
    }
    Ref it(unpack_iter(seq));
    if (!it.p) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyIter_Next(it.p);
        if (!out[i]) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected %zd, got %zd)", n, i);
            return -1;
        }
    }
    PyObject* extra = PyIter_Next(it.p);
    if (extra) {
        Py_DECREF(extra);
        PyErr_Format(PyExc_ValueError, "too many values to unpack (expected %zd)", n);
        return -1;
    }
    return PyErr_Occurred() ? -1 : 0;
}

// a, *b, c = x: `before` items, a list, `after` items, into out[before + 1 + after].
ZRT_INLINE int unpack_star(PyObject* seq, Py_ssize_t before, Py_ssize_t after, PyObject** out) {
    Ref it(unpack_iter(seq));
    if (!it.p) return -1;
    for (Py_ssize_t i = 0; i < before; i++) {
        out[i] = PyIter_Next(it.p);
        if (!out[i]) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected at least %zd, got %zd)",
                             before + after, i);
            return -1;
        }
    }
    Ref rest(PySequence_List(it.p));
    if (!rest.p) return -1;
    Py_ssize_t nrest = PyList_GET_SIZE(rest.p);
    if (nrest < after) {
        PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected at least %zd, got %zd)",
                     before + after, before + nrest);
        return -1;
    }
    for (Py_ssize_t i = 0; i < after; i++) out[before + 1 + i] = newref(PyList_GET_ITEM(rest.p, nrest - after + i));
    if (after && PyList_SetSlice(rest.p, nrest - after, nrest, nullptr) < 0) return -1;
    out[before] = rest.release();
    return 0;
}

// `x in y` as an object; `negate` for `not in`.
// -- exact lists and tuples under exact int keys ---------------------------------------------
// `seq[k]`, `seq[k] = v` and `k in seq` where k is a plain object (a parameter, an item of
// another list), as the interpreter's BINARY_SUBSCR_LIST_INT / STORE_SUBSCR_LIST_INT do: an
// exact list (tuple) and an exact int of one digit index the items directly. Out of range,
// and any other key or container, is the generic call, which also raises. hexiom's
// `self.cells[i]` and go's `self.squares[pos]` paid ~60 instructions each through
// PyObject_GetItem -> list_subscript -> PyNumber_AsSsize_t.
#if !ZRT_LIMITED && !defined(Py_GIL_DISABLED)
ZRT_INLINE bool exact_index(PyObject* key, Py_ssize_t n, Py_ssize_t* out) {
    long i;
    if (!PyLong_CheckExact(key) || !small_long_value(key, &i)) return false;
    if (i < 0) i += n;
    *out = (Py_ssize_t)i;
    return i >= 0 && i < n;
}
#endif

// obj[key], new reference (PyObject_GetItem)
ZRT_INLINE PyObject* getitem(PyObject* obj, PyObject* key) {
#if !ZRT_LIMITED && !defined(Py_GIL_DISABLED)
    Py_ssize_t i;
    if (PyList_CheckExact(obj) && exact_index(key, PyList_GET_SIZE(obj), &i))
        return Py_NewRef(PyList_GET_ITEM(obj, i));
    if (PyTuple_CheckExact(obj) && exact_index(key, PyTuple_GET_SIZE(obj), &i))
        return Py_NewRef(PyTuple_GET_ITEM(obj, i));
#endif
    return PyObject_GetItem(obj, key);
}

// obj[key] = value (PyObject_SetItem; value borrowed). The old item is released after the
// store, as list_ass_item does: its destructor may run code that reads the list.
ZRT_INLINE int setitem(PyObject* obj, PyObject* key, PyObject* value) {
#if !ZRT_LIMITED && !defined(Py_GIL_DISABLED)
    Py_ssize_t i;
    if (PyList_CheckExact(obj) && exact_index(key, PyList_GET_SIZE(obj), &i)) {
        PyObject** at = ((PyListObject*)obj)->ob_item + i;
        PyObject* old = *at;
        *at = Py_NewRef(value);
        Py_DECREF(old);
        return 0;
    }
#endif
    return PyObject_SetItem(obj, key, value);
}

#if !ZRT_LIMITED && !defined(Py_GIL_DISABLED)
// `x in lst` for an exact list and an exact int x of one digit (hexiom's `v in cell`):
// list_contains calls PyObject_RichCompareBool(item, x, Py_EQ) on each item in turn, which
// for the very object or another exact int of one digit is identity or long_richcompare's
// value test, neither of which runs code; any other item gets that very call (which may
// run code that changes the list: its size is read again at every step, as list_contains
// does). ~45 instructions an item through the generic compare: 17% of hexiom.
__attribute__((noinline)) static int list_contains_int(PyObject* list, PyObject* x, long xv) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject* item = PyList_GET_ITEM(list, i);
        long v;
        if (item == x) return 1;
        if (PyLong_CheckExact(item) && small_long_value(item, &v)) {
            if (v == xv) return 1;
            continue;
        }
        Py_INCREF(item);
        int r = PyObject_RichCompareBool(item, x, Py_EQ);
        Py_DECREF(item);
        if (r != 0) return r;
    }
    return 0;
}
#endif

// `item in container`: 1, 0 or -1 (error), as CONTAINS_OP's PySequence_Contains.
ZRT_INLINE int sequence_contains(PyObject* container, PyObject* item) {
#if !ZRT_LIMITED && !defined(Py_GIL_DISABLED)
    long xv;
    if (PyList_CheckExact(container) && PyLong_CheckExact(item) && small_long_value(item, &xv))
        return list_contains_int(container, item, xv);
#endif
    return PySequence_Contains(container, item);
}

ZRT_INLINE PyObject* contains(PyObject* item, PyObject* container, bool negate) {
    int r = sequence_contains(container, item);
    if (r < 0) return nullptr;
    return bool_obj(negate ? !r : r);
}

ZRT_INLINE PyObject* is_(PyObject* a, PyObject* b, bool negate) { return bool_obj(negate ? a != b : a == b); }

// The truth of `a <op> b` where only the truth is used (`if a == b:`): 1, 0, or -1 with an
// error. Two exact ints of at most one digit (3.11: ob_size -1..1; 3.12+: compact) and two
// exact floats compare here, as long_richcompare / float_richcompare would, with no bool
// object made; everything else is PyObject_RichCompare and its result's truth. go compares
// colours, positions and timestamps (small ints) with == and != ~4M times a run, each
// ~90 instructions through PyObject_RichCompare.
__attribute__((noinline)) static int compare_truth_generic(PyObject* a, PyObject* b, int op) {
    PyObject* r = PyObject_RichCompare(a, b, op);
    if (!r) return -1;
    int t = truth(r);
    Py_DECREF(r);
    return t;
}

ZRT_INLINE int compare_truth(PyObject* a, PyObject* b, int op) {
#if !ZRT_LIMITED
    PyTypeObject* ta = Py_TYPE(a);
    if (ta == Py_TYPE(b)) {
        long x, y;
        if (ta == &PyLong_Type && small_long_value(a, &x) && small_long_value(b, &y)) return compare_order(x, y, op);
        if (ta == &PyFloat_Type) return compare_order(PyFloat_AS_DOUBLE(a), PyFloat_AS_DOUBLE(b), op);
    }
#endif
    return compare_truth_generic(a, b, op);
}

ZRT_INLINE PyObject* not_(PyObject* o) {
    int r = truth(o);
    if (r < 0) return nullptr;
    return bool_obj(!r);
}

ZRT_INLINE PyObject* power(PyObject* a, PyObject* b) { return PyNumber_Power(a, b, Py_None); }
ZRT_INLINE PyObject* inplace_power(PyObject* a, PyObject* b) { return PyNumber_InPlacePower(a, b, Py_None); }

// Displays built from arrays of owned references (the items are stolen).
ZRT_INLINE PyObject* build_tuple(PyObject** items, Py_ssize_t n) {
    PyObject* t = PyTuple_New(n);
    if (!t) return nullptr;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(t, i, items[i]);
        items[i] = nullptr;
    }
    return t;
}

ZRT_INLINE PyObject* build_list(PyObject** items, Py_ssize_t n) {
    PyObject* l = PyList_New(n);
    if (!l) return nullptr;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyList_SET_ITEM(l, i, items[i]);
        items[i] = nullptr;
    }
    return l;
}

ZRT_INLINE int list_extend(PyObject* list, PyObject* iterable) {
    Ref r(list_extend_raw(list, iterable));
    if (!r.p) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) && ZRT_TP_ITER(Py_TYPE(iterable)) == nullptr &&
            !PySequence_Check(iterable)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "Value after * must be an iterable, not %.200s",
                         ZRT_TP_NAME(Py_TYPE(iterable)));
        }
        return -1;
    }
    return 0;
}

ZRT_INLINE int set_update(PyObject* set, PyObject* iterable) {
    Ref it(PyObject_GetIter(iterable));
    if (!it.p) return -1;
    for (;;) {
        Ref item(PyIter_Next(it.p));
        if (!item.p) return PyErr_Occurred() ? -1 : 0;
        if (PySet_Add(set, item.p) < 0) return -1;
    }
}

ZRT_INLINE int dict_update(PyObject* dict, PyObject* mapping) {
    if (PyDict_Update(dict, mapping) < 0) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "'%.200s' object is not a mapping", ZRT_TP_NAME(Py_TYPE(mapping)));
        }
        return -1;
    }
    return 0;
}

// f-string pieces: FORMAT_VALUE with conversion ('s', 'r', 'a' or 0) and a spec (or NULL).
#if !ZRT_LIMITED
// f"{n}" / str(n) for an exact int that fits in a C long: its decimal digits written straight
// into a new str, which is what str(int) gives (PyObject_Format -> PyObject_Str ->
// long_to_decimal_string took ~250 instructions for a small int: generic_tier strings on
// 3.13 was at 1.00x). nullptr: not such an int (no error set); the caller formats it.
ZRT_INLINE PyObject* small_int_str(PyObject* v) {
    int overflow = 0;
    long x = PyLong_AsLongAndOverflow(v, &overflow);  // an exact int: nothing can raise
    if (overflow) return nullptr;
    char buf[24];
    char* end = buf + sizeof(buf);
    char* p = end;
    unsigned long u = x < 0 ? 0UL - (unsigned long)x : (unsigned long)x;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (x < 0) *--p = '-';
    PyObject* s = PyUnicode_New(end - p, 127);
    if (s) memcpy(PyUnicode_1BYTE_DATA(s), p, (size_t)(end - p));
    return s;
}
#endif

ZRT_INLINE PyObject* format_value(PyObject* v, int conversion, PyObject* spec) {
#if !ZRT_LIMITED
    if (!spec && (conversion == 0 || conversion == 's') && PyLong_CheckExact(v)) {
        if (PyObject* s = small_int_str(v)) return s;
        if (PyErr_Occurred()) return nullptr;
    }
#endif
    Ref converted;
    if (conversion == 's') converted.set(PyObject_Str(v));
    else if (conversion == 'r') converted.set(PyObject_Repr(v));
    else if (conversion == 'a') converted.set(PyObject_ASCII(v));
    else converted.set(newref(v));
    if (!converted.p) return nullptr;
    if (!spec && PyUnicode_CheckExact(converted.p)) return converted.release();
    return PyObject_Format(converted.p, spec);
}

ZRT_INLINE PyObject* join_strings(PyObject** items, Py_ssize_t n) {  // steals the items
    static PyObject* empty = nullptr;
    if (!empty && !(empty = PyUnicode_FromString(""))) return nullptr;
#if ZRT_LIMITED
    PyObject* r = nullptr;
    PyObject* parts = PyTuple_New(n);
    if (parts) {
        for (Py_ssize_t i = 0; i < n; i++) PyTuple_SetItem(parts, i, xnewref(items[i]));
        r = PyUnicode_Join(empty, parts);
        Py_DECREF(parts);
    }
#else
    PyObject* r = _PyUnicode_JoinArray(empty, items, n);
#endif
    for (Py_ssize_t i = 0; i < n; i++) Py_CLEAR(items[i]);
    return r;
}

// obj.name(...): the unbound method and 1 when `name` is a plain method of the type (the
// call then passes obj first, and no bound method is made), else the attribute and 0.
ZRT_INLINE int get_method(PyObject* obj, PyObject* name, PyObject** out) {
#if ZRT_LIMITED
    // abi3: no LOAD_METHOD primitive; builtin types' methods unbound, else a bound method
    if (builtin_method(obj, name, out)) return 1;
    *out = PyObject_GetAttr(obj, name);
    return 0;
#else
    return _PyObject_GetMethod(obj, name, out);
#endif
}

ZRT_INLINE PyObject* slice(PyObject* lo, PyObject* hi, PyObject* step) {
    return PySlice_New(lo, hi, step);
}

// for-loop step: 1 item (in *out), 0 exhausted, -1 error.
ZRT_INLINE int iter_next(PyObject* it, PyObject** out) {
    PyObject* v = (*ZRT_TP_ITERNEXT(Py_TYPE(it)))(it);
    if (v) {
        *out = v;
        return 1;
    }
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_StopIteration)) return -1;
        PyErr_Clear();
    }
    return 0;
}

ZRT_INLINE PyObject* get_iter(PyObject* o) { return PyObject_GetIter(o); }

}  // namespace zrt

namespace zrt {

// Special-method lookup on the type, bound to the instance (what `with` uses).
ZRT_INLINE PyObject* lookup_special(PyObject* o, const char* name) {
    Ref n(PyUnicode_InternFromString(name));
    if (!n.p) return nullptr;
    PyObject* f = type_lookup(Py_TYPE(o), n.p);
    if (!f) return nullptr;  // no error set
    descrgetfunc get = ZRT_TP_DESCR_GET(Py_TYPE(f));
    if (get) return get(f, o, (PyObject*)Py_TYPE(o));
    return newref(f);
}

// The error `with` raises for an object that is not a context manager, per version.
ZRT_INLINE void not_a_context_manager(PyObject* mgr, bool missing_exit) {
#if ZRT_PY(3, 11)
    PyErr_Format(PyExc_TypeError, "'%.200s' object does not support the context manager protocol%s",
                 ZRT_TP_NAME(Py_TYPE(mgr)), missing_exit ? " (missed __exit__ method)" : "");
#else
    (void)mgr;
    PyErr_SetString(PyExc_AttributeError, missing_exit ? "__exit__" : "__enter__");
#endif
}

// with: returns __enter__()'s result; *exit_out receives the bound __exit__.
ZRT_INLINE PyObject* with_enter(PyObject* mgr, PyObject** exit_out) {
    Ref enter(lookup_special(mgr, "__enter__"));
    if (!enter.p) {
        if (!PyErr_Occurred()) not_a_context_manager(mgr, false);
        return nullptr;
    }
    Ref exit(lookup_special(mgr, "__exit__"));
    if (!exit.p) {
        if (!PyErr_Occurred()) not_a_context_manager(mgr, true);
        return nullptr;
    }
    PyObject* r = PyObject_CallNoArgs(enter.p);
    if (!r) return nullptr;
    *exit_out = exit.release();
    return r;
}

ZRT_INLINE PyObject* with_exit_ok(PyObject* exit) {
    PyObject* args[] = {Py_None, Py_None, Py_None};
    return PyObject_Vectorcall(exit, args, 3, nullptr);
}

ZRT_INLINE PyObject* with_exit_exc(PyObject* exit, PyObject* exc) {
    PyObject* tb = PyException_GetTraceback(exc);
    PyObject* args[] = {(PyObject*)Py_TYPE(exc), exc, tb ? tb : Py_None};
    PyObject* r = PyObject_Vectorcall(exit, args, 3, nullptr);
    Py_XDECREF(tb);
    return r;
}

// Calls that read the caller's frame (globals(), locals(), vars(), dir(), eval/exec with one
// argument) made from module or class level: give them this module's namespaces, as the
// interpreter would. `ns` is the module globals or the class namespace. Anything else, and
// shadowed names, is an ordinary call.
ZRT_INLINE PyObject* frame_call(ModuleState* st, PyObject* ns, PyObject* f, PyObject* const* args, Py_ssize_t n) {
#if ZRT_LIMITED
    // abi3: the builtin's layout is private; ask for its self and name
    if (PyCFunction_Check(f)) {
        PyObject* self = PyCFunction_GetSelf(f);
        Ref uname(self && PyModule_Check(self) ? PyObject_GetAttrString(f, "__name__") : nullptr);
        const char* name = uname.p ? PyUnicode_AsUTF8(uname.p) : nullptr;
        const char* mod = name ? PyModule_GetName(self) : nullptr;
#else
    if (PyCFunction_Check(f) && ((PyCFunctionObject*)f)->m_self &&
        PyModule_Check(((PyCFunctionObject*)f)->m_self)) {
        const char* name = ((PyCFunctionObject*)f)->m_ml->ml_name;
        const char* mod = PyModule_GetName(((PyCFunctionObject*)f)->m_self);
#endif
        if (mod && strcmp(mod, "builtins") == 0) {
            if (n == 0 && strcmp(name, "globals") == 0) return newref(st->globals);
            if (n == 0 && (strcmp(name, "locals") == 0 || strcmp(name, "vars") == 0)) return newref(ns);
            if (n == 0 && strcmp(name, "dir") == 0) {
                Ref keys(PyMapping_Keys(ns));
                if (!keys.p || PyList_Sort(keys.p) < 0) return nullptr;
                return keys.release();
            }
            if (n >= 1 && n <= 3 && (strcmp(name, "eval") == 0 || strcmp(name, "exec") == 0)) {
                // missing or None namespaces mean the caller's, as for interpreted code
                PyObject* g = n >= 2 && args[1] != Py_None ? args[1] : nullptr;
                PyObject* l = n >= 3 && args[2] != Py_None ? args[2] : nullptr;
                PyObject* a[] = {args[0], g ? g : st->globals, l ? l : (g ? g : ns)};
                return PyObject_Vectorcall(f, a, 3, nullptr);
            }
        }
        PyErr_Clear();
    }
    return PyObject_Vectorcall(f, args, n, nullptr);
}

}  // namespace zrt
