// Compiled `__slots__` classes whose instances stay out of the cyclic GC while no slot holds
// an object that can be part of a cycle (what CPython does for dicts and tuples).
//
// Why: pyperformance's float makes 100,000 Points (three float slots each) per run. CPython
// tracks every instance of a class with slots, so each collection the allocations trigger
// walks all the live Points (subtype_traverse), and the full ones walk every Point made so
// far: ~100 M of the compiled run's 418 M instructions, more than its arithmetic. A Point
// holding only floats cannot be part of a cycle; an untracked one costs the GC nothing.
//
// How (slots_class, called by the class statement right after the class is made): the
// member descriptors `type()` made for the class's own slots are replaced in the class dict
// by getset descriptors of ours (same offsets, same errors) whose setter tracks the instance
// the moment a slot gets an object the GC may need to see (CPython's
// _PyObject_GC_MAY_BE_TRACKED: a GC type, except an untracked exact tuple); the class's
// tp_alloc (not inherited: type() gives every subclass its own) untracks each new exact
// instance. Every store into those slots then goes through code of ours: Python code through
// the descriptors, compiled sites (attrcache.hpp) through slot_stored; tp_members (which
// subtype_traverse/clear/dealloc read) is untouched, so an instance that is tracked is
// visited, cleared and freed exactly as before.
//
// Applied only where that covers every store: the class's metaclass is `type`, it has no
// `__dict__` and no items, its own members are plain object slots, and every other class
// in its MRO is `object`, a class this made, or a Python class adding no layout. Otherwise
// (and under abi3 / free-threaded builds) the class stays as CPython made it.
//
// Must not: change the layout (tp_basicsize is what pickling's object.__getstate__ checks,
// sys.getsizeof what CPython reports), or untrack an instance of a subclass (it may carry
// a __dict__ or slots whose descriptors are CPython's). Visible differences are listed in
// docs/differences.md ("Classes with __slots__").
#pragma once
#include "ops.hpp"
#ifndef Py_LIMITED_API
#include <structmember.h>  // PyMemberDef, T_OBJECT_EX (not in Python.h before 3.12)
#endif

namespace zrt {

#if !ZRT_LIMITED && !defined(Py_GIL_DISABLED)
#define ZRT_SLOT_CLASSES 1

// One slot's accessor: the getset definition a descriptor points at for its whole life, so
// it is never freed. Shared by every class with a slot of that name at that offset (a
// class statement run in a loop makes no new one): a list bounded by the program's text.
struct SlotAccess {
    PyGetSetDef def;
    Py_ssize_t offset;
    SlotAccess* next;
    char name[1];  // def.name points here; the allocation extends it
};

static SlotAccess* slot_accesses = nullptr;

// Could `v` be part of a reference cycle (CPython's _PyObject_GC_MAY_BE_TRACKED, without
// tp_is_gc: a GC type whose instance is not collectable only makes us track needlessly)?
ZRT_INLINE bool may_be_in_cycle(PyObject* v) {
    PyTypeObject* t = Py_TYPE(v);
    if (!PyType_HasFeature(t, Py_TPFLAGS_HAVE_GC)) return false;
    return t != &PyTuple_Type || PyObject_GC_IsTracked(v);
}

// `obj` (an instance of a class with a slot of ours, maybe untracked) has just got `v` in
// one of those slots: the GC must see obj from now on if v may be part of a cycle.
ZRT_INLINE void slot_stored(PyObject* obj, PyObject* v) {
    if (may_be_in_cycle(v) && !PyObject_GC_IsTracked(obj)) PyObject_GC_Track(obj);
}

ZRT_INLINE PyObject* slot_get(PyObject* self, void* closure) {
    SlotAccess* s = (SlotAccess*)closure;
    PyObject* v = *(PyObject**)((char*)self + s->offset);
    if (v) return Py_NewRef(v);
    // PyMember_GetOne's error for an empty T_OBJECT_EX slot: 3.13 names the type fully
    // qualified (`mod.Point`, not for __main__ or builtins: %T)
#if PY_VERSION_HEX >= 0x030D0000
    PyErr_Format(PyExc_AttributeError, "'%T' object has no attribute '%s'", self, s->name);
#else
    PyErr_Format(PyExc_AttributeError, "'%.200s' object has no attribute '%s'", Py_TYPE(self)->tp_name, s->name);
#endif
    return nullptr;
}

ZRT_INLINE int slot_set(PyObject* self, PyObject* v, void* closure) {
    SlotAccess* s = (SlotAccess*)closure;
    PyObject** at = (PyObject**)((char*)self + s->offset);
    PyObject* old = *at;
    if (!v && !old) {  // PyMember_SetOne's error for deleting an empty slot
        PyErr_SetString(PyExc_AttributeError, s->name);
        return -1;
    }
    if (v) {
        slot_stored(self, v);
        Py_INCREF(v);
    }
    *at = v;
    Py_XDECREF(old);  // last: releasing the old value may run code that reads the slot
    return 0;
}

// The offset a getset descriptor of ours reads and writes, or 0 (any other descriptor). Only
// this module's accessors are recognised: another compiled module's have their own slot_get.
ZRT_INLINE Py_ssize_t slot_descr_offset(PyObject* descr) {
    if (Py_TYPE(descr) != &PyGetSetDescr_Type) return 0;
    PyGetSetDef* d = ((PyGetSetDescrObject*)descr)->d_getset;
    if (d->get != slot_get || d->set != slot_set) return 0;
    return ((SlotAccess*)d->closure)->offset;
}

ZRT_INLINE SlotAccess* slot_access(const char* name, Py_ssize_t offset) {
    for (SlotAccess* s = slot_accesses; s; s = s->next)
        if (s->offset == offset && strcmp(s->name, name) == 0) return s;
    size_t len = strlen(name);
    SlotAccess* s = (SlotAccess*)PyMem_RawMalloc(sizeof(SlotAccess) + len);
    if (!s) {
        PyErr_NoMemory();
        return nullptr;
    }
    memcpy(s->name, name, len + 1);
    s->def.name = s->name;
    s->def.get = slot_get;
    s->def.set = slot_set;
    s->def.doc = nullptr;  // a member from a __slots__ of names has no doc either
    s->def.closure = s;
    s->offset = offset;
    s->next = slot_accesses;
    slot_accesses = s;
    return s;
}

// The traverse function type() gives every class it makes (subtype_traverse, not exported),
// seen on the first class made here: an allocation checks the type it makes is still one.
static traverseproc slot_class_traverse = nullptr;

// Type flags that put words before the GC header (3.12+): such a class is never made ours
// (its instances have a __dict__ or managed weakrefs), checked again at allocation.
#ifdef Py_TPFLAGS_PREHEADER
#define ZRT_PREHEADER_FLAGS Py_TPFLAGS_PREHEADER
#elif defined(Py_TPFLAGS_MANAGED_DICT)
#define ZRT_PREHEADER_FLAGS Py_TPFLAGS_MANAGED_DICT
#else
#define ZRT_PREHEADER_FLAGS 0
#endif

// CPython's PyGC_Head (internal headers): two words before the object in 3.10-3.13 default
// builds (sys.getsizeof adds its size).
struct GCHead {
    uintptr_t next, prev;
};

// tp_alloc of a class made here: what PyType_GenericAlloc does for it (a zeroed object after
// its GC header, the type referenced, one reference), but never linked into the GC: an
// instance whose slots are all empty has nothing the GC needs to see, and leaving out the
// link also leaves out its count towards the next collection (gc.get_count()), which for
// float's 100,000 Points triggered ~140 collections a run, each walking the young list
// holding them. PyObject_GC_Del (tp_free) accepts it: it unlinks only a tracked object.
// type() sets tp_alloc of each class it makes, so a subclass of ours never gets here; a C
// type deriving from one (PyType_FromSpec) may inherit it: anything but exactly such a
// class takes CPython's allocation.
ZRT_INLINE PyObject* slot_alloc(PyTypeObject* tp, Py_ssize_t nitems) {
    if (nitems != 0 || tp->tp_traverse != slot_class_traverse || tp->tp_free != PyObject_GC_Del || tp->tp_itemsize ||
        (tp->tp_flags & ZRT_PREHEADER_FLAGS))
        return PyType_GenericAlloc(tp, nitems);
    size_t size = sizeof(GCHead) + (size_t)tp->tp_basicsize;
    char* mem = (char*)PyObject_Malloc(size);
    if (!mem) return PyErr_NoMemory();
    memset(mem, 0, size);  // the GC header zeroed: untracked (and not finalized)
    return PyObject_Init((PyObject*)(mem + sizeof(GCHead)), tp);
}

// The deallocator type() gives every class it makes (subtype_dealloc, not exported).
static destructor slot_class_subtype_dealloc = nullptr;

ZRT_INLINE void clear_own_slots(PyTypeObject* t, PyObject* self) {
    if (!Py_SIZE(t)) return;  // a class adding no slots (`__slots__ = ()`)
    for (PyMemberDef* m = t->tp_members; m->name; m++) {
        if (m->type != T_OBJECT_EX) continue;  // (__weaklistoffset__)
        PyObject** at = (PyObject**)((char*)self + m->offset);
        Py_CLEAR(*at);
    }
}

// Does releasing `v` run no code and free nothing but `v` itself (an exact float, int or
// str, or None)? (float's Points hold floats: that test comes first)
ZRT_INLINE bool releases_alone(PyObject* v) {
    PyTypeObject* t = Py_TYPE(v);
    return t == &PyFloat_Type || t == &PyLong_Type || t == &PyUnicode_Type || v == Py_None;
}

// slot_dealloc's path for an exact instance, made by slot_alloc, of a class of ours based on
// `object` itself that the GC does not track (CPython's _PyObject_GC_IS_TRACKED: the header's
// next word): its slots released while each holds nothing or a value releases_alone takes,
// then its memory freed. Returns false when it meets another value (the slots before it
// released: no one could tell) or the instance or class is not such: slot_dealloc's general
// path then does the rest. Why: that path's untracking, trashcan and walk over the classes
// and their members were ~40 of a Point's ~350 instructions of deallocation (float); releasing a
// float can neither recurse into deallocators (the trashcan's concern) nor run code that
// could see the half-released object.
ZRT_INLINE void slot_dealloc(PyObject* self);
ZRT_INLINE bool slot_dealloc_leaf(PyTypeObject* tp, PyObject* self) {
    if (((GCHead*)self)[-1].next != 0 || tp->tp_alloc != slot_alloc || tp->tp_base != &PyBaseObject_Type ||
        tp->tp_dealloc != slot_dealloc ||
        tp->tp_free != PyObject_GC_Del || (tp->tp_flags & ZRT_PREHEADER_FLAGS) || !Py_SIZE(tp))
        return false;
    for (PyMemberDef* m = tp->tp_members; m->name; m++) {
        if (m->type != T_OBJECT_EX) continue;  // (__weaklistoffset__)
        PyObject** at = (PyObject**)((char*)self + m->offset);
        PyObject* v = *at;
        if (!v) continue;
        if (!releases_alone(v)) return false;
        *at = nullptr;
        Py_DECREF(v);
    }
    PyObject_Free((char*)self - sizeof(GCHead));  // slot_alloc's: not counted by the GC
    Py_DECREF(tp);
    return true;
}

// tp_dealloc of a class made here when it has no finalizer and no __weakref__: what
// subtype_dealloc then does (untrack, clear the slots of each class from here to `object`,
// tp_free, release the type) without its general checks (~130 instructions per instance).
// Also called by subtype_dealloc as the dealloc of the first base that is not its own (a
// Python subclass of ours): that subclass's finalizer, weakrefs, dict and own slots are
// done by then, and the classes from the first one of ours down are left, as here.
ZRT_INLINE void slot_dealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    if (slot_dealloc_leaf(tp, self)) return;
    PyObject_GC_UnTrack(self);  // (tracked or not)
    Py_TRASHCAN_BEGIN(self, slot_dealloc)
    PyTypeObject* t = tp;
    while (t->tp_dealloc != slot_dealloc) t = t->tp_base;
    for (; t && t != &PyBaseObject_Type; t = t->tp_base) clear_own_slots(t, self);
    if (tp->tp_alloc == slot_alloc && tp->tp_free == PyObject_GC_Del && !(tp->tp_flags & ZRT_PREHEADER_FLAGS))
        PyObject_Free((char*)self - sizeof(GCHead));  // slot_alloc's: not counted by the GC, so not uncounted
    else
        tp->tp_free(self);
    Py_DECREF(tp);  // every class in that chain is a heap type
    Py_TRASHCAN_END
}

// Own members of a class `type()` made: the slots after the heap type's fixed part.
ZRT_INLINE bool plain_object_slot(const PyMemberDef* m) {
    return m->type == T_OBJECT_EX && m->flags == 0 && m->offset > 0;
}

// Could a class in cls's MRO (not cls) store into an instance's memory without code of ours?
ZRT_INLINE bool bases_are_plain(PyTypeObject* tp) {
    PyObject* mro = tp->tp_mro;
    if (!mro || !PyTuple_Check(mro)) return false;
    for (Py_ssize_t i = 1; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject* b = (PyTypeObject*)PyTuple_GET_ITEM(mro, i);
        if (b == &PyBaseObject_Type) continue;
        if (!(b->tp_flags & Py_TPFLAGS_HEAPTYPE) || Py_TYPE(b) != &PyType_Type) return false;
        if (b->tp_alloc == slot_alloc) continue;  // one of ours: its slots are ours
        // a Python class adding nothing to the layout (`__slots__ = ()`)
        if (!b->tp_base || b->tp_basicsize != b->tp_base->tp_basicsize || b->tp_itemsize || b->tp_dictoffset)
            return false;
    }
    return true;
}

// The class statement's result for a class whose body binds a literal __slots__ (steals
// `cls`, returns it, or nullptr with an error set): made ours when that is safe (above).
ZRT_INLINE PyObject* slots_class(PyObject* cls) {
    if (!cls || Py_TYPE(cls) != &PyType_Type) return cls;
    PyTypeObject* tp = (PyTypeObject*)cls;
    unsigned long flags = tp->tp_flags;
    if (!(flags & Py_TPFLAGS_HEAPTYPE) || !(flags & Py_TPFLAGS_HAVE_GC) || tp->tp_itemsize || tp->tp_dictoffset ||
        tp->tp_alloc != PyType_GenericAlloc || tp->tp_free != PyObject_GC_Del || !tp->tp_traverse || !tp->tp_members)
        return cls;
    if (flags & ZRT_PREHEADER_FLAGS) return cls;
    if (slot_class_traverse && tp->tp_traverse != slot_class_traverse) return cls;
    if (!bases_are_plain(tp)) return cls;
    // every own member a plain object slot, its descriptor still the one type() made
    Py_ssize_t n = 0;
    for (PyMemberDef* m = tp->tp_members; m->name; m++) {
        if (strcmp(m->name, "__weaklistoffset__") == 0 && m->flags == READONLY) continue;
        if (!plain_object_slot(m)) return cls;
        PyObject* d = PyDict_GetItemString(tp->tp_dict, m->name);  // str keys: no code runs
        if (!d || Py_TYPE(d) != &PyMemberDescr_Type || ((PyMemberDescrObject*)d)->d_member != m) return cls;
        n++;
    }
    if (n == 0) return cls;
    for (PyMemberDef* m = tp->tp_members; m->name; m++) {
        if (!plain_object_slot(m)) continue;
        SlotAccess* s = slot_access(m->name, m->offset);
        Ref descr(s ? PyDescr_NewGetSet(tp, &s->def) : nullptr);
        if (!descr.p || PyDict_SetItemString(tp->tp_dict, m->name, descr.p) < 0) {
            Py_DECREF(cls);  // half-converted: the class statement fails rather than go on
            return nullptr;
        }
    }
    slot_class_traverse = tp->tp_traverse;
    tp->tp_alloc = slot_alloc;
    // Our own deallocator where subtype_dealloc would only clear slots: no finalizer, no
    // weak references, and every base from here down either ours or adding no layout
    // (bases_are_plain) with CPython's deallocator or ours.
    if (!slot_class_subtype_dealloc && tp->tp_base == &PyBaseObject_Type) slot_class_subtype_dealloc = tp->tp_dealloc;
    bool plain_dealloc = tp->tp_dealloc == slot_class_subtype_dealloc && !tp->tp_finalize && !tp->tp_del &&
                         !tp->tp_weaklistoffset;
    for (PyTypeObject* b = tp->tp_base; plain_dealloc && b != &PyBaseObject_Type; b = b->tp_base)
        plain_dealloc = (b->tp_dealloc == slot_dealloc || b->tp_dealloc == slot_class_subtype_dealloc) &&
                        !b->tp_finalize && !b->tp_del;
    if (plain_dealloc) tp->tp_dealloc = slot_dealloc;
    PyType_Modified(tp);  // the dict changed under the type's method cache and version tag
    return cls;
}

#else
ZRT_INLINE PyObject* slots_class(PyObject* cls) { return cls; }
#endif

}  // namespace zrt
