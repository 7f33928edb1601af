// A float run's attributes on `__slots__` members, checked once per run and object instead of
// once per access (translator/slotrun.py emits the calls).
//
// Why: float's Point.maximize reads and stores 15 attributes of two objects per call; each
// attribute site (attr_float_slot, native.hpp) checks the type's version tag, its getattro
// and setattro and the cached entry's kind again (~20 instructions a site, ~60 M of the
// benchmark's ~290 M). In a run of attribute stores (and bindings of locals that are
// unbound whenever the run starts) no code runs between its first and last access (its
// stores release exact floats, its allocations are floats: neither runs code nor triggers
// a collection), so the objects' types cannot change in between: one check per object at
// the run's entry says where each of its attributes is.
//
// How: slot_run_guard(obj, cache, table, names) gives the offsets of `names` in obj when obj's type
// reads and writes every one of them through PyObject_GenericGetAttr/SetAttr as a plain
// object slot (a member descriptor or a slots class's accessor of ours: attrcache.hpp's
// member_slot), remembered per run under the type's version tag; nullptr otherwise, and
// each access then takes its own site (attr_float_slot) as before. An access through the
// offsets still checks the slot's value (an exact float to read; an exact float or empty
// to replace), as the site would.
//
// Must not: be used across anything that can run code (a local's old value released, a
// call); translator/slotrun.py takes only the runs described above.
#pragma once
#include "attrcache.hpp"

namespace zrt {

enum { SLOT_RUN_MAX = 8 };  // attributes of one object in one run (more: no guard)

struct SlotRunCache {
    unsigned int version;  // tp_version_tag the offsets are for; 0 = empty
    Py_ssize_t off[SLOT_RUN_MAX];
};

#ifdef ZRT_ATTR_CACHE
// (out of line: once per type version, the check below inlined into every run)
static inline __attribute__((noinline)) bool slot_run_fill(PyTypeObject* tp, SlotRunCache* c, PyObject* const* table,
                                                           const unsigned short* names, int n) {
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) || tp->tp_getattro != PyObject_GenericGetAttr ||
        tp->tp_setattro != PyObject_GenericSetAttr || n > SLOT_RUN_MAX)
        return false;
    Py_ssize_t off[SLOT_RUN_MAX];
    for (int i = 0; i < n; i++) {
        PyObject* name = table[names[i]];
        if (!PyUnicode_CheckExact(name)) return false;
        off[i] = member_slot(_PyType_Lookup(tp, name));  // (str keys: runs no code)
        if (off[i] <= 0) return false;
    }
    if (!type_version_valid(tp)) return false;  // (_PyType_Lookup assigns the tag it can)
    c->version = tp->tp_version_tag;
    for (int i = 0; i < n; i++) c->off[i] = off[i];
    return true;
}
#endif

// The offsets of the n attribute names table[names[0..n)] in obj, or nullptr: see above. (The
// names by their index in the module's table: a static array of indices costs nothing per
// run, an array of the names themselves was filled at every entry, ~9 instructions.)
static inline __attribute__((always_inline)) const Py_ssize_t* slot_run_guard(PyObject* obj, SlotRunCache* c, PyObject* const* table,
                                                                              const unsigned short* names, int n) {
#ifdef ZRT_ATTR_CACHE
    if (!obj) return nullptr;
    PyTypeObject* tp = Py_TYPE(obj);
    if (c->version && tp->tp_version_tag == c->version && type_version_valid(tp)) return c->off;
    return slot_run_fill(tp, c, table, names, n) ? c->off : nullptr;
#else
    (void)obj, (void)c, (void)table, (void)names, (void)n;
    return nullptr;
#endif
}

// The slot at `off` of a guarded object when it holds an exact float (a read), or nullptr.
ZRT_INLINE PyObject** slot_run_float(PyObject* obj, Py_ssize_t off) {
    PyObject** at = (PyObject**)((char*)obj + off);
    return *at && PyFloat_CheckExact(*at) ? at : nullptr;
}

// ... when it holds an exact float or nothing (a store: replacing it runs no code), or nullptr.
ZRT_INLINE PyObject** slot_run_store(PyObject* obj, Py_ssize_t off) {
    PyObject** at = (PyObject**)((char*)obj + off);
    return !*at || PyFloat_CheckExact(*at) ? at : nullptr;
}

// -- method lookups on instances of a slots class (translator/slotclass.py) -----------------
//
// Why: `p.normalize()` / `next.maximize(p)` on float's Points went through get_method_cached
// (the type's tag, then the kind of entry and the instance's dict to rule out a shadowing
// attribute). An exact instance of a slots class of ours (runtime/slotclass.hpp: tp_alloc is
// slot_alloc, which type() gives no subclass) has no __dict__, so its type's version tag
// alone says what `p.name` is: one comparison of the type and its tag. The call itself is
// the site's (translator/methodcalls.py enters a compiled method's body directly).
//
// How: a site remembers the type, its tag and the plain function _PyType_Lookup gave
// (borrowed: the type's dict holds it while the tag holds); any other receiver takes
// get_method_cached as before.
//
// Must not: be taken for a type whose getattro is not the generic one (a __getattribute__ or
// __getattr__), whose attribute is not a plain Python function, or whose tag is not valid.
struct SlotMethodSite {
    PyTypeObject* tp;  // compared only
    unsigned int version;
    PyObject* func;  // borrowed (see above)
};

#if defined(ZRT_SLOT_CLASSES) && defined(ZRT_ATTR_CACHE)
ZRT_SLOW_PATH bool slot_method_fill(PyTypeObject* tp, PyObject* name, SlotMethodSite* c) {
    c->tp = nullptr;
    if (tp->tp_getattro != PyObject_GenericGetAttr || !PyUnicode_CheckExact(name)) return false;
    PyObject* f = _PyType_Lookup(tp, name);  // borrowed; str keys: runs no code
    if (!f || (Py_TYPE(f) != &FunctionType && Py_TYPE(f) != &PyFunction_Type)) return false;
    if (!type_version_valid(tp)) return false;
    c->tp = tp;
    c->version = tp->tp_version_tag;
    c->func = f;
    return true;
}
#endif

// get_method_cached with the site above in front of it (same results).
ZRT_SITE_INLINE int slot_method(PyObject* obj, PyObject* name, PyObject** out, MethodCache* mc, SlotMethodSite* c) {
#if defined(ZRT_SLOT_CLASSES) && defined(ZRT_ATTR_CACHE)
    PyTypeObject* tp = Py_TYPE(obj);
    if ((tp == c->tp && tp->tp_version_tag == c->version && type_version_valid(tp)) ||
        (tp->tp_alloc == slot_alloc && slot_method_fill(tp, name, c))) {
        *out = Py_NewRef(c->func);
        return 1;
    }
#else
    (void)c;
#endif
    return get_method_cached(obj, name, out, mc);
}

}  // namespace zrt
