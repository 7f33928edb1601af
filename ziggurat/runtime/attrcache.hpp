// Per-site inline caches for `obj.name` loads and stores on plain instances.
//
// CPython 3.11+ specialises LOAD_ATTR/STORE_ATTR for instances whose attributes live in the
// object's "values" array (split keys shared by every instance of the class): one type-version
// check and an indexed load, instead of a type lookup plus a dict lookup. Without the same, a
// compiled method doing `self.x + o.x` is slower than the interpreter (measured 0.88x on
// benchmarks/generic_tier.py `objects`). Each attribute site of the generated code owns one
// AttrCache; it remembers (type version tag, index in the class's shared keys) after a
// generic access proved that the class has no attribute of that name (so no descriptor can
// take part) and that getattr/setattr are the generic ones.
//
// Correctness: the type version tag changes whenever the class or a base is modified (a
// descriptor or __getattr__ added, __class__ reassigned gives a different type), so a hit
// is only taken under the same conditions the interpreter's own specialisation uses; any
// miss (no values array, a NULL slot, another type) takes the generic CPython call, which
// raises exactly CPython's errors. The layouts read here are CPython-internal and differ by
// version: each is written out below for 3.11, 3.12 and 3.13 (checked against their
// internal headers); other versions and the limited API use the generic calls only.
#pragma once
#include "ops.hpp"
#include "slotclass.hpp"

namespace zrt {

struct AttrCache {
    unsigned int version;  // tp_version_tag of the type the index is for; 0 = empty
    Py_ssize_t index;      // position of the name in the type's shared keys / values array; -1: none
    Py_ssize_t slot;       // > 0: the name is a __slots__ member at this offset in the object;
                           // -1: a module's attribute (version 0), see module_attr;
                           // -2: a class's own attribute (version: the class's), see class_attr
    PyObject* value;       // slot -2: the attribute (borrowed: the class's MRO holds it)
    Py_ssize_t hint;       // where the name was last seen in a materialised instance dict's entries
    // Earlier values-array entries of other types, so a site that sees several classes
    // (richards' Task methods run on four subclasses) does not refill on every change of
    // type (a _PyType_Lookup and a shared-keys scan each time, ~20% of richards). The entry
    // above is the one filled last; a fill moves it here, over the oldest.
    struct {
        unsigned int version;
        Py_ssize_t index;
    } other[3];
    unsigned int next_other;
};

#if !defined(Py_LIMITED_API) && PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030E0000 && \
    !defined(Py_GIL_DISABLED)
#define ZRT_ATTR_CACHE 1

// The parts of CPython's internal dict-keys object read at cache fill (pycore_dict.h,
// identical in 3.11-3.13 default builds): a header, then the hash index, then the entries.
struct KeysHead {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind;
    uint32_t dk_version;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[1];
};
struct UnicodeEntry {
    PyObject* me_key;
    PyObject* me_value;  // unused by split keys
};
enum { KEYS_UNICODE = 1, KEYS_SPLIT = 2 };  // DICT_KEYS_UNICODE, DICT_KEYS_SPLIT

ZRT_INLINE UnicodeEntry* unicode_entries(KeysHead* keys) {
    return (UnicodeEntry*)(keys->dk_indices + ((size_t)1 << keys->dk_log2_index_bytes));
}

// Where `name` sits in the type's shared keys (the index into every instance's values
// array), or -1; *nentries gets how many keys there are now (they only ever grow).
ZRT_INLINE Py_ssize_t shared_key_index(PyTypeObject* tp, PyObject* name, Py_ssize_t* nentries) {
    KeysHead* keys = (KeysHead*)((PyHeapTypeObject*)tp)->ht_cached_keys;
    *nentries = -1;
    if (!keys || keys->dk_kind != KEYS_SPLIT) return -1;
    *nentries = keys->dk_nentries;
    UnicodeEntry* entries = unicode_entries(keys);
    for (Py_ssize_t i = 0; i < keys->dk_nentries; i++)
        if (entries[i].me_key == name) return i;
    return -1;
}

// The instance's values array, or nullptr when its attributes live in a real dict (then
// the generic path handles it). `store` adds the conditions a store needs.
ZRT_INLINE PyObject** instance_values(PyObject* obj) {
#if PY_VERSION_HEX >= 0x030D0000
    // 3.13: values inline after the object header; `valid` is cleared when a dict takes over.
    struct Values13 { uint8_t capacity, size, embedded, valid; PyObject* values[1]; };
    // (Only types with inline values have them there: a list subclass has its own fields.)
    if (!(Py_TYPE(obj)->tp_flags & Py_TPFLAGS_INLINE_VALUES)) return nullptr;
    Values13* v = (Values13*)((char*)obj + sizeof(PyObject));
    PyObject* dict = *(PyObject**)((char*)obj - 3 * (Py_ssize_t)sizeof(PyObject*));
    return (v->valid && !dict) ? v->values : nullptr;
#elif PY_VERSION_HEX >= 0x030C0000
    // 3.12: a tagged pointer three words before the object: values (low bit set) or dict.
    uintptr_t dorv = *(uintptr_t*)((char*)obj - 3 * (Py_ssize_t)sizeof(PyObject*));
    return (dorv & 1) ? (PyObject**)(dorv + 1) : nullptr;
#else
    // 3.11: the values pointer four words before the object; NULL once a dict exists.
    return *(PyObject***)((char*)obj - 4 * (Py_ssize_t)sizeof(PyObject*));
#endif
}

// After values[ix] of an instance went from empty to set: append ix to the values' record
// of insertion order (CPython's _PyDictValues_AddToInsertionOrder, which the interpreter's
// STORE_ATTR_INSTANCE_VALUE calls when it adds an attribute), so a dict made from the
// values later (vars(obj), obj.__dict__) lists the attributes in the order they were set.
// false (nothing written): the layout is not the expected one; the caller stores generically.
ZRT_INLINE bool values_order_room(PyObject** values, Py_ssize_t ix) {
#if PY_VERSION_HEX >= 0x030D0000
    // 3.13: a header {capacity, size, embedded, valid} before the values; the order array
    // follows the `capacity` value slots.
    uint8_t* head = (uint8_t*)values - sizeof(PyObject*);
    return ix < head[0] && head[1] < head[0];
#else
    // 3.11/3.12: a prefix before the values: its size in bytes at [-1], the count at [-2],
    // the order bytes below that.
    uint8_t* prefix_end = (uint8_t*)values;
    return prefix_end[-2] + 2 < prefix_end[-1] && ix < 256;
#endif
}

ZRT_INLINE void values_order_append(PyObject** values, Py_ssize_t ix) {
#if PY_VERSION_HEX >= 0x030D0000
    uint8_t* head = (uint8_t*)values - sizeof(PyObject*);
    uint8_t* order = (uint8_t*)(values + head[0]);
    order[head[1]] = (uint8_t)ix;
    head[1]++;
#else
    uint8_t* size = (uint8_t*)values - 2;
    int n = *size + 1;
    size[-n] = (uint8_t)ix;
    *size = (uint8_t)n;
#endif
}

// The instance's materialised dict (managed-dict types), or nullptr. CPython 3.11/3.12 give a
// class's instances one shared-keys table whose room shrinks with every instance created
// (init_inline_values), so a class with many instances whose attributes are not all set
// in __init__ (go's Square) has real dicts; the interpreter then specialises
// LOAD_ATTR_WITH_HINT, and so does this cache (an index into the dict's entries).
ZRT_INLINE PyObject* instance_dict(PyObject* obj) {
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
    uintptr_t dorv = *(uintptr_t*)((char*)obj - 3 * (Py_ssize_t)sizeof(PyObject*));
    return (dorv & 1) ? nullptr : (PyObject*)dorv;
#else
    return *(PyObject**)((char*)obj - 3 * (Py_ssize_t)sizeof(PyObject*));
#endif
}

// The entry of `name` in a table of str keys, found the way CPython's dict probes its hash
// index (unicodekeys_lookup_unicode, the same in 3.11-3.13); -1 when it is not there, -2
// when a key other than `name` itself has its hash (an equal str: the dict decides).
ZRT_INLINE Py_ssize_t unicode_keys_probe(KeysHead* keys, PyObject* name, Py_hash_t hash) {
    size_t mask = ((size_t)1 << keys->dk_log2_size) - 1;
    int width = keys->dk_log2_index_bytes - keys->dk_log2_size;  // log2 of bytes per index
    UnicodeEntry* entries = unicode_entries(keys);
    size_t perturb = (size_t)hash;
    size_t i = (size_t)hash & mask;
    for (;;) {
        Py_ssize_t ix = width == 0   ? ((const int8_t*)keys->dk_indices)[i]
                        : width == 1 ? ((const int16_t*)keys->dk_indices)[i]
                        : width == 2 ? ((const int32_t*)keys->dk_indices)[i]
                                     : ((const int64_t*)keys->dk_indices)[i];
        if (ix >= 0) {
            PyObject* k = entries[ix].me_key;
            if (k == name) return ix;
            if (((PyASCIIObject*)k)->hash == hash) return -2;
        } else if (ix == -1) {  // DKIX_EMPTY
            return -1;
        }
        perturb >>= 5;  // PERTURB_SHIFT
        i = mask & (i * 5 + perturb + 1);
    }
}

// d[name] for an exact dict, borrowed: first at the remembered entry (a combined table of
// str keys holding that very key object), else by probing that table, else the dict's own
// lookup. nullptr: not there, or an error (set) from a non-str key's __eq__, as in CPython.
ZRT_INLINE PyObject* dict_get_hinted(PyObject* d, PyObject* name, Py_ssize_t* hint) {
    PyDictObject* mp = (PyDictObject*)d;
    KeysHead* keys = (KeysHead*)mp->ma_keys;
    if (mp->ma_values == nullptr && keys->dk_kind == KEYS_UNICODE) {
        Py_ssize_t h = *hint;
        if (h >= 0 && h < keys->dk_nentries) {
            UnicodeEntry* e = unicode_entries(keys) + h;
            if (e->me_key == name && e->me_value) return e->me_value;
        }
        Py_hash_t hash = ((PyASCIIObject*)name)->hash;
        if (hash != -1) {
            Py_ssize_t ix = unicode_keys_probe(keys, name, hash);
            if (ix == -1) return nullptr;
            if (ix >= 0) {
                *hint = ix;
                return unicode_entries(keys)[ix].me_value;
            }
        }
    }
    return PyDict_GetItemWithError(d, name);
}

// module.name (CPython's LOAD_ATTR_MODULE): for an exact module, when the module type
// itself has no attribute of that name (checked once per site: the type is immutable), the
// module's dict decides, as module_getattro's generic lookup would. Borrowed, or nullptr
// (not there: the generic path then tries the module's __getattr__; or an error, set).
ZRT_INLINE bool module_site(PyObject* obj, PyObject* name) {
    return Py_TYPE(obj) == &PyModule_Type && PyUnicode_CheckExact(name) && !_PyType_Lookup(&PyModule_Type, name);
}

ZRT_INLINE PyObject* module_attr(PyObject* obj, PyObject* name, Py_ssize_t* hint) {
    PyObject* d = PyModule_GetDict(obj);
    if (!d || !PyDict_CheckExact(d)) return nullptr;
    return dict_get_hinted(d, name, hint);
}

// Is the type's version tag one a cache may be keyed on? PyType_Modified resets the tag to
// 0 in 3.11-3.13; 3.11/3.12 also clear Py_TPFLAGS_VALID_VERSION_TAG, which 3.13 no longer
// sets at all (testing the flag there made every cache miss: 3.13 ran every cached
// attribute and method site through the generic path).
ZRT_INLINE bool type_version_valid(PyTypeObject* tp) {
#if PY_VERSION_HEX >= 0x030D0000
    return tp->tp_version_tag != 0;
#else
    return (tp->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG) && tp->tp_version_tag != 0;
#endif
}

ZRT_INLINE bool values_layout(PyTypeObject* tp) {
#if PY_VERSION_HEX >= 0x030D0000
    return (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) && (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) &&
           tp->tp_basicsize == sizeof(PyObject);
#else
    return (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) != 0;
#endif
}

// __slots__ members (CPython's LOAD_ATTR_SLOT / STORE_ATTR_SLOT): the class attribute is
// the member descriptor __slots__ made, an object reference at a fixed offset in every
// instance. A data descriptor, so no instance dict can shadow it; what the descriptor would
// do (PyMember_GetOne/SetOne for T_OBJECT_EX) is a load or a swap at that offset, except
// that an empty slot raises, which the generic path is left to do. Returns the offset, or 0.
ZRT_INLINE Py_ssize_t member_slot(PyObject* descr) {
    if (!descr) return 0;
    // a compiled slots class's accessor (slotclass.hpp): a store then goes through slot_stored
    if (Py_ssize_t offset = slot_descr_offset(descr)) return offset;
    if (Py_TYPE(descr) != &PyMemberDescr_Type) return 0;
    PyMemberDef* m = ((PyMemberDescrObject*)descr)->d_member;
    // T_OBJECT_EX (Py_T_OBJECT_EX since 3.12, same value); READONLY / PY_AUDIT_READ /
    // Py_RELATIVE_OFFSET members keep the generic path.
    if (m->type != T_OBJECT_EX || m->flags != 0 || m->offset <= 0) return 0;
    return m->offset;
}

// After a successful generic access of `name` on `obj`: remember where it lives if the
// fast path would find exactly the same thing.
ZRT_INLINE void attr_cache_fill(AttrCache* c, PyObject* obj, PyObject* name, bool store) {
    PyTypeObject* tp = Py_TYPE(obj);
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) return;
    if (store ? tp->tp_setattro != PyObject_GenericSetAttr : tp->tp_getattro != PyObject_GenericGetAttr) return;
    if (!PyUnicode_CheckExact(name)) return;
    PyObject* descr = _PyType_Lookup(tp, name);
    if (!type_version_valid(tp)) return;
    if (descr != nullptr) {  // a class attribute or descriptor takes part: only a slot is cached
        Py_ssize_t offset = member_slot(descr);
        if (offset > 0) {
            c->version = tp->tp_version_tag;
            c->slot = offset;
        }
        return;
    }
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)) return;
    // Nothing on the type: the instance's values or dict decide. A site remembers the
    // name's index in the shared keys (or -1) and, for instances with a dict, its place there.
    Py_ssize_t nentries;
    Py_ssize_t i = values_layout(tp) ? shared_key_index(tp, name, &nentries) : -1;
    PyObject** values = instance_values(obj);
    if (values) {
        if (i < 0 || !values[i]) return;
    } else {
        PyObject* d = instance_dict(obj);
        if (!d || !PyDict_CheckExact(d)) return;
        c->hint = -1;
        if (!dict_get_hinted(d, name, &c->hint)) {
            PyErr_Clear();
            return;
        }
    }
    if (values && c->version && c->version != tp->tp_version_tag && c->slot == 0 && c->index >= 0) {
        unsigned int k = c->next_other++ % 3;
        c->other[k].version = c->version;
        c->other[k].index = c->index;
    }
    c->version = tp->tp_version_tag;
    c->index = i;
    c->slot = 0;
}

// The values slot of `obj` that one of a site's earlier entries names for obj's type, or
// nullptr (no entry for that type, or its instance keeps a dict). In the site itself (see
// getattr_cached): a polymorphic site's hits are most of its loads.
static inline __attribute__((always_inline)) PyObject** other_values_slot(const AttrCache* c, PyObject* obj) {
    PyTypeObject* tp = Py_TYPE(obj);
    unsigned int version = tp->tp_version_tag;
    if (!version || !type_version_valid(tp)) return nullptr;
    for (int k = 0; k < 3; k++) {
        if (c->other[k].version == version) {
            PyObject** values = instance_values(obj);
            return values ? values + c->other[k].index : nullptr;
        }
    }
    return nullptr;
}

// C.name for a class whose metaclass is `type` (CPython 3.12+'s LOAD_ATTR_CLASS): when
// `type` itself has no attribute of that name (it is immutable: checked once),
// type_getattro returns what the class's MRO holds, through its type's __get__ (with no
// instance) if it has one, and the MRO's answer stays the same until the class or a base
// changes, which changes the class's version tag. The __get__ is looked up at each use (the
// descriptor's own type may change without the class knowing). deltablue's Strength.REQUIRED,
// Direction.NONE and Strength.stronger(...) (a staticmethod) went through type_getattro's
// two MRO lookups, and the method calls through _PyObject_GetMethod as well.
ZRT_INLINE PyObject* class_attr_found(PyObject* cls, PyObject* name) {
    if (!PyUnicode_CheckExact(name) || _PyType_Lookup(&PyType_Type, name)) return nullptr;
    PyObject* attr = _PyType_Lookup((PyTypeObject*)cls, name);
    return attr && type_version_valid((PyTypeObject*)cls) ? attr : nullptr;
}

ZRT_INLINE void class_attr_fill(AttrCache* c, PyObject* cls, PyObject* name) {
    PyObject* attr = class_attr_found(cls, name);
    if (!attr) return;
    c->version = ((PyTypeObject*)cls)->tp_version_tag;
    c->slot = -2;
    c->index = -1;
    c->value = attr;
}

// What type_getattro gives for the remembered attribute (new reference, or nullptr: error).
ZRT_INLINE PyObject* class_attr_get(PyObject* attr, PyObject* cls) {
    descrgetfunc get = Py_TYPE(attr)->tp_descr_get;
    if (!get) return Py_NewRef(attr);
    Py_INCREF(attr);  // __get__ may run code that changes the class
    PyObject* r = get(attr, nullptr, cls);
    Py_DECREF(attr);
    return r;
}

// The site's entry is for obj's type (not a class-attribute entry, whose version is the
// class's own: an instance of that class is not the class).
ZRT_INLINE bool attr_cache_hit(const AttrCache* c, PyObject* obj) {
    PyTypeObject* tp = Py_TYPE(obj);
    return c->version && tp->tp_version_tag == c->version && type_version_valid(tp) && c->slot != -2;
}

// Where obj keeps the attribute a hit site (attr_cache_hit) names: its __slots__ member or
// its entry in the values array; nullptr when it is neither (a dict site, or no values).
ZRT_INLINE PyObject** cached_attr_address(const AttrCache* c, PyObject* obj) {
    if (c->slot > 0) return (PyObject**)((char*)obj + c->slot);
    if (c->index < 0) return nullptr;
    PyObject** values = instance_values(obj);
    return values ? values + c->index : nullptr;
}
#endif

// The hit every cached site takes most (an attribute in the values array, a global where
// it was last seen) is compiled into the site itself; everything else is one out-of-line
// call. (Calling the whole cache for each access cost ~20 instructions of prologue, spills
// and epilogue per call, half the hit.)
#define ZRT_SITE_INLINE static inline __attribute__((always_inline))
#define ZRT_SLOW_PATH static __attribute__((noinline))

// LOAD_GLOBAL sites. A name bound in the module's globals is remembered as its entry in
// the globals' table of str keys (the table object and the index: the entry is re-checked
// to hold that very name, so a resized or rebuilt table simply misses), which, like the
// interpreter's keys-version cache, survives stores to other globals (go's `TIMESTAMP += 1`
// on every move otherwise invalidated every global site of the module). A builtin is
// remembered with both dicts' versions (as before), and a changed globals version is
// forgiven when a probe shows the name is still not among the globals. The value is
// borrowed: the unchanged dict still holds it.
struct GlobalCache {
    uint64_t globals_version;
    uint64_t builtins_version;
    PyObject* value;     // a builtin's value, or nullptr
    void* keys;          // the globals' keys table the index is for, or nullptr
    Py_ssize_t index;
};

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
ZRT_SLOW_PATH PyObject* load_global_cached_slow(ModuleState* st, PyObject* name, GlobalCache* c) {
#if ZRT_LIMITED
    // abi3: dict version tags are private; every load looks up (measured in docs/abi3.md)
    (void)c;
    return load_global(st, name);
#else
    PyDictObject* g = (PyDictObject*)st->globals;
    PyDictObject* b = (PyDictObject*)st->builtins;
    // (the globals entry was checked inline: load_global_cached)
    if (c->value && PyDict_CheckExact(b) && c->builtins_version == b->ma_version_tag) {
        if (c->globals_version == g->ma_version_tag) return newref(c->value);
#ifdef ZRT_ATTR_CACHE
        KeysHead* keys = (KeysHead*)g->ma_keys;
        Py_hash_t hash = ((PyASCIIObject*)name)->hash;
        if (!g->ma_values && keys->dk_kind == KEYS_UNICODE && hash != -1 &&
            unicode_keys_probe(keys, name, hash) == -1) {
            c->globals_version = g->ma_version_tag;
            return newref(c->value);
        }
#endif
    }
    PyObject* v = load_global(st, name);
    if (!v) return v;
#ifdef ZRT_ATTR_CACHE
    KeysHead* keys = (KeysHead*)g->ma_keys;
    Py_hash_t hash = ((PyASCIIObject*)name)->hash;
    if (!g->ma_values && keys->dk_kind == KEYS_UNICODE && PyUnicode_CheckExact(name) && hash != -1) {
        Py_ssize_t ix = unicode_keys_probe(keys, name, hash);
        if (ix >= 0 && unicode_entries(keys)[ix].me_value == v) {
            c->keys = keys;
            c->index = ix;
            c->value = nullptr;
            return v;
        }
    }
#endif
    if (PyDict_CheckExact(b)) {
        c->value = v;
        c->globals_version = g->ma_version_tag;
        c->builtins_version = b->ma_version_tag;
    }
    return v;
#endif
}

#pragma clang diagnostic pop

// A global's entry found where the site last saw it, or a builtin under both dicts'
// unchanged versions, in the site; the rest out of line. (Builtins - range, len, tuple - took
// the out-of-line call on every load: ~6 M instructions of nqueens' 224 M.)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
ZRT_SITE_INLINE PyObject* load_global_cached(ModuleState* st, PyObject* name, GlobalCache* c) {
#ifdef ZRT_ATTR_CACHE
    PyDictObject* g = (PyDictObject*)st->globals;
    if ((void*)g->ma_keys == c->keys && c->keys && !g->ma_values) {
        KeysHead* keys = (KeysHead*)c->keys;
        if (c->index < keys->dk_nentries) {
            UnicodeEntry* e = unicode_entries(keys) + c->index;
            if (e->me_key == name && e->me_value) return newref(e->me_value);
        }
    }
    // c->value is set only while st->builtins (fixed at module init) was an exact dict, and a
    // dict stays a dict: its version tag may be read without a type check
    if (c->value && c->globals_version == g->ma_version_tag &&
        c->builtins_version == ((PyDictObject*)st->builtins)->ma_version_tag)
        return newref(c->value);
#endif
    return load_global_cached_slow(st, name, c);
}
#pragma clang diagnostic pop

// obj.name (new reference), like PyObject_GetAttr: the whole cache, out of line.
ZRT_SLOW_PATH PyObject* getattr_cached_slow(PyObject* obj, PyObject* name, AttrCache* c) {
#ifdef ZRT_ATTR_CACHE
    // (the site's earlier types were tried in the site: getattr_cached)
    if (attr_cache_hit(c, obj)) {
        if (c->slot > 0) {
            PyObject* v = *(PyObject**)((char*)obj + c->slot);
            if (v) return Py_NewRef(v);
            return PyObject_GetAttr(obj, name);  // an empty slot: the descriptor raises
        }
        PyObject** values = instance_values(obj);
        if (values) {
            if (c->index >= 0) {
                PyObject* v = values[c->index];
                if (v) return Py_NewRef(v);
            }
        } else {
            PyObject* d = instance_dict(obj);
            if (d && PyDict_CheckExact(d)) {
                PyObject* v = dict_get_hinted(d, name, &c->hint);
                if (v) return Py_NewRef(v);
                if (PyErr_Occurred()) return nullptr;
            }
        }
    }
    if (c->slot == -2 && Py_TYPE(obj) == &PyType_Type) {
        PyTypeObject* cls = (PyTypeObject*)obj;
        if (cls->tp_version_tag == c->version && type_version_valid(cls)) return class_attr_get(c->value, obj);
    }
    if (c->slot == -1 && Py_TYPE(obj) == &PyModule_Type) {
        PyObject* v = module_attr(obj, name, &c->hint);
        if (v) return Py_NewRef(v);
        if (PyErr_Occurred()) return nullptr;
        return PyObject_GetAttr(obj, name);
    }
    bool cached = attr_cache_hit(c, obj);
    PyObject* r = PyObject_GetAttr(obj, name);
    if (r && !cached) {
        if (module_site(obj, name)) {
            c->version = 0;
            c->slot = -1;
            c->hint = -1;
        } else if (Py_TYPE(obj) == &PyType_Type) {
            class_attr_fill(c, obj, name);
        } else {
            attr_cache_fill(c, obj, name, false);
        }
    }
    return r;
#else
    (void)c;
    return PyObject_GetAttr(obj, name);
#endif
}

#ifdef ZRT_ATTR_CACHE
// The value at the remembered entry of obj's materialised instance dict, when that entry
// still holds `name` (borrowed), else nullptr: the hit of a dict site (CPython's
// LOAD_ATTR_WITH_HINT), for the site itself. go's Square instances on 3.11/3.12 have real
// dicts (attribute_dict_instances.py): each of their ~12M attribute loads per run went
// through the out-of-line cache and an out-of-line dict_get_hinted, ~90 instructions.
ZRT_SITE_INLINE PyObject* instance_dict_hint_hit(PyObject* obj, PyObject* name, Py_ssize_t hint) {
    PyDictObject* d = (PyDictObject*)instance_dict(obj);
    // (an assigned __dict__ may be a dict subclass: its lookup is the generic one)
    if (!d || Py_TYPE(d) != &PyDict_Type || d->ma_values) return nullptr;
    KeysHead* keys = (KeysHead*)d->ma_keys;
    if (keys->dk_kind != KEYS_UNICODE || hint < 0 || hint >= keys->dk_nentries) return nullptr;
    UnicodeEntry* e = unicode_entries(keys) + hint;
    return e->me_key == name ? e->me_value : nullptr;
}

// Stores into a materialised instance dict (CPython's STORE_ATTR_WITH_HINT): replacing the
// value of a key the dict already holds, at the entry the site saw last, is all
// PyDict_SetItem would do there, except the dict's version (PEP 509's ma_version_tag, which
// must change to a value the dict never had). The interpreter's counter cannot be reached
// from an extension module (3.11: a hidden global), so those versions come from a counter of
// ours in the upper half of the range, which CPython's (from 0, +1, +256 or +4096 a change) never
// reaches, shared by the compiled modules of an interpreter through a capsule in its state
// dict. Steps of 4096 leave the low bits as they were (3.12+: watcher and mutation bits).
// go's Square stores (real dicts on 3.11/3.12) each cost ~220 instructions through
// PyDict_SetItem, 13% of the run.
static uint64_t* dict_versions = nullptr;  // nullptr: not looked up yet, or none to be had

ZRT_SLOW_PATH uint64_t* find_dict_versions() {
    static uint64_t own = (uint64_t)1 << 63;
    PyObject* state = PyInterpreterState_GetDict(PyInterpreterState_Get());  // borrowed
    if (!state) return nullptr;
    const char* key = "ziggurat.dict_versions";
    if (PyObject* cap = PyDict_GetItemString(state, key)) {  // borrowed
        void* p = PyCapsule_GetPointer(cap, key);
        if (!p) PyErr_Clear();
        return (uint64_t*)p;
    }
    Ref cap(PyCapsule_New(&own, key, nullptr));
    if (!cap.p || PyDict_SetItemString(state, key, cap.p) < 0) {
        PyErr_Clear();
        return nullptr;
    }
    return &own;
}

// Is the dict tracked by the cyclic GC (_PyObject_GC_IS_TRACKED: the GC header's next link)?
// An untracked dict getting a value that may be part of a cycle must be tracked
// (insertdict's MAINTAIN_TRACKING): PyDict_SetItem does that.
ZRT_INLINE bool dict_gc_tracked(PyObject* d) { return ((uintptr_t*)d)[-2] != 0; }

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
// obj's materialised dict holds `name` at entry `hint` of a combined table of str keys: the
// value replaced there (true), or false (nothing done: the generic store decides). Not for a
// dict subclass (an assigned __dict__), a dict under watch (3.12+: its watchers are called)
// or one the GC would have to start tracking.
ZRT_SITE_INLINE bool instance_dict_hint_store(PyObject* obj, PyObject* name, PyObject* value, Py_ssize_t hint) {
    PyDictObject* d = (PyDictObject*)instance_dict(obj);
    uint64_t* versions = dict_versions;
    if (!d || Py_TYPE(d) != &PyDict_Type || d->ma_values || !versions) return false;
    KeysHead* keys = (KeysHead*)d->ma_keys;
    if (keys->dk_kind != KEYS_UNICODE || hint < 0 || hint >= keys->dk_nentries) return false;
    UnicodeEntry* e = unicode_entries(keys) + hint;
    PyObject* old = e->me_value;
#if PY_VERSION_HEX >= 0x030C0000
    if (d->ma_version_tag & 0xff) return false;  // DICT_WATCHER_MASK
#endif
    if (e->me_key != name || !old) return false;
    if (!dict_gc_tracked((PyObject*)d) && may_be_in_cycle(value)) return false;  // to be tracked
    e->me_value = Py_NewRef(value);
    d->ma_version_tag = (*versions += 4096) | (d->ma_version_tag & 0xfff);
    Py_DECREF(old);  // last: it may run code (a __del__)
    return true;
}
#pragma clang diagnostic pop

// The site's hint made to name where `name` is in obj's dict now (a probe of its table).
ZRT_INLINE void instance_dict_rehint(PyObject* d, PyObject* name, Py_ssize_t* hint) {
    PyDictObject* mp = (PyDictObject*)d;
    KeysHead* keys = (KeysHead*)mp->ma_keys;
    Py_hash_t hash = ((PyASCIIObject*)name)->hash;
    if (mp->ma_values || keys->dk_kind != KEYS_UNICODE || hash == -1) return;
    Py_ssize_t ix = unicode_keys_probe(keys, name, hash);
    if (ix >= 0) *hint = ix;
}
#endif

// The site's other hits, out of line but before the whole cache: one of the site's earlier
// types, a class attribute. In the site itself they were most of its code - clang's
// optimiser and code generator spent ~30% of chaos's compile on getattr sites (143 of them).
ZRT_SLOW_PATH PyObject* getattr_cached_other(PyObject* obj, PyObject* name, AttrCache* c) {
#ifdef ZRT_ATTR_CACHE
    // One of the site's earlier types (richards' Task methods see four subclasses, deltablue's
    // Constraint methods four): through the whole slow path each such hit paid ~30-45
    // instructions of call, prologue and the same checks (richards 215.5 M -> 193.5 M
    // instructions per iteration with them in the site).
    if (c->next_other) {
        if (PyObject** at = other_values_slot(c, obj)) {
            if (PyObject* v = *at) return Py_NewRef(v);
        }
    }
    // A plain value read through its class (deltablue's `Direction.FORWARD`,
    // `Strength.REQUIRED`), as the interpreter's LOAD_ATTR_CLASS: under the class's version
    // tag, the remembered attribute is what type_getattro gives. Out of line, the whole
    // cache cost ~40 instructions per read, 8% of deltablue on 3.13.
    if (c->slot == -2 && Py_TYPE(obj) == &PyType_Type) {
        PyTypeObject* cls = (PyTypeObject*)obj;
        if (cls->tp_version_tag == c->version && type_version_valid(cls) && !Py_TYPE(c->value)->tp_descr_get)
            return Py_NewRef(c->value);
    }
#endif
    return getattr_cached_slow(obj, name, c);
}

#ifdef ZRT_ATTR_CACHE
// The site's cache is for obj's very type, as an instance attribute (not a slot, module or
// class-attribute site): the values-array index or the instance-dict hint applies.
ZRT_SITE_INLINE bool own_type_site_hit(const AttrCache* c, PyObject* obj) {
    PyTypeObject* tp = Py_TYPE(obj);
    return c->slot == 0 && c->version && tp->tp_version_tag == c->version && type_version_valid(tp);
}
#endif

// obj.name (new reference), like PyObject_GetAttr. The site's own type with the attribute
// in the values array or (no values array) at the remembered place in the instance dict.
ZRT_SITE_INLINE PyObject* getattr_cached(PyObject* obj, PyObject* name, AttrCache* c) {
#ifdef ZRT_ATTR_CACHE
    if (own_type_site_hit(c, obj)) {
        PyObject** values = instance_values(obj);
        if (values) {
            if (c->index >= 0) {
                PyObject* v = values[c->index];
                if (v) return Py_NewRef(v);
            }
        } else if (PyObject* v = instance_dict_hint_hit(obj, name, c->hint)) {
            return Py_NewRef(v);
        }
    }
#endif
    return getattr_cached_other(obj, name, c);
}

// obj.name = value, like PyObject_SetAttr. Replacing an attribute in the values array, or
// adding one whose name the type's shared keys already hold, is done inline.
ZRT_SLOW_PATH int setattr_cached_slow(PyObject* obj, PyObject* name, PyObject* value, AttrCache* c) {
#ifdef ZRT_ATTR_CACHE
    // (the site's earlier types were tried in the site: setattr_cached)
    bool cached = attr_cache_hit(c, obj);
    if (cached) {
        if (c->slot > 0) {
            PyObject** at = (PyObject**)((char*)obj + c->slot);
            PyObject* old = *at;
            slot_stored(obj, value);  // the instance may be untracked (slotclass.hpp)
            *at = Py_NewRef(value);
            Py_XDECREF(old);
            return 0;
        }
        PyObject** values = instance_values(obj);
        if (values) {
            Py_ssize_t ix = c->index;
            if (ix >= 0) {
                PyObject* old = values[ix];
                if (old) {
                    values[ix] = Py_NewRef(value);
                    Py_DECREF(old);
                    return 0;
                }
                // Adding the attribute (`self.x = ...` in __init__): CPython 3.11-3.13's
                // STORE_ATTR_INSTANCE_VALUE does the same under the same guards (type
                // version, values in use and no dict); the name's index in the shared keys
                // (append-only, owned by the type) is below every instance's capacity.
                if (values_order_room(values, ix)) {
                    values[ix] = Py_NewRef(value);
                    values_order_append(values, ix);
                    return 0;
                }
            }
        } else {
            // What the generic store does with an instance dict (_PyObjectDict_SetItem),
            // without the type lookup the version tag has already answered: in place where
            // the key is (instance_dict_hint_store), else PyDict_SetItem.
            PyObject* d = instance_dict(obj);
            if (d && PyDict_CheckExact(d)) {
                if (!dict_versions) dict_versions = find_dict_versions();
                instance_dict_rehint(d, name, &c->hint);
                if (instance_dict_hint_store(obj, name, value, c->hint)) return 0;
                return PyDict_SetItem(d, name, value);
            }
        }
    }
    if (PyObject_SetAttr(obj, name, value) < 0) return -1;
    if (!cached) attr_cache_fill(c, obj, name, true);
    return 0;
#else
    (void)c;
    return PyObject_SetAttr(obj, name, value);
#endif
}

ZRT_SITE_INLINE int setattr_cached(PyObject* obj, PyObject* name, PyObject* value, AttrCache* c) {
#ifdef ZRT_ATTR_CACHE
    if (own_type_site_hit(c, obj)) {
        PyObject** values = instance_values(obj);
        if (!values) {
            if (instance_dict_hint_store(obj, name, value, c->hint)) return 0;
        } else if (c->index >= 0) {
            Py_ssize_t ix = c->index;
            PyObject* old = values[ix];
            if (old) {
                values[ix] = Py_NewRef(value);
                Py_DECREF(old);
                return 0;
            }
            if (values_order_room(values, ix)) {  // adding it: see setattr_cached_slow
                values[ix] = Py_NewRef(value);
                values_order_append(values, ix);
                return 0;
            }
        }
    }
    if (c->next_other) {  // an earlier type of the site (see getattr_cached)
        if (PyObject** at = other_values_slot(c, obj)) {
            if (PyObject* old = *at) {
                *at = Py_NewRef(value);
                Py_DECREF(old);
                return 0;
            }
        }
    }
#endif
    return setattr_cached_slow(obj, name, value, c);
}

// obj.name(...) lookups (LOAD_METHOD): a site remembers the plain method a type gave,
// with the type's version tag, when no instance attribute can shadow it: the type has no
// instance dict at all (list.append, str.join), or its instances keep their attributes in
// the values array and the shared keys (append-only) did not hold the name and have not
// grown since, or its instances have a materialised dict and a probe of that dict shows no
// such key (CPython's LOAD_METHOD_WITH_DICT). Otherwise, or on any miss, CPython's own
// _PyObject_GetMethod decides.
struct MethodCache {
    unsigned int version;
    PyObject* method;      // borrowed: the type's dict holds it while the version is unchanged
    Py_ssize_t nentries;   // shared keys' entry count when checked; -1: the type has no dict;
                           // -2: instances with a materialised dict, probed at each hit;
                           // -3 (version 0): a module's attribute, see module_attr;
                           // -4: a class's attribute (version: the class's), see class_attr_get
    Py_ssize_t hint;       // -3: where the name was last seen in the module's dict
    // Earlier entries (nentries -1 or >= 0) of other types, as AttrCache::other.
    struct {
        unsigned int version;
        PyObject* method;
        Py_ssize_t nentries;
    } other[3];
    unsigned int next_other;
};

#ifdef ZRT_ATTR_CACHE
ZRT_INLINE void method_cache_fill(MethodCache* c, PyObject* obj, PyObject* name, PyObject* method) {
    PyTypeObject* tp = Py_TYPE(obj);
    if (tp->tp_getattro != PyObject_GenericGetAttr || !PyUnicode_CheckExact(name)) return;
    if (_PyType_Lookup(tp, name) != method) return;
    if (!type_version_valid(tp)) return;
    Py_ssize_t nentries = -1;
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) return;
        if (!instance_values(obj)) {
            // a dict to probe at each hit, or none yet (no instance attribute at all: a
            // list subclass on 3.13, whose instances have no inline values)
            PyObject* d = instance_dict(obj);
            if (d && !PyDict_CheckExact(d)) return;
            nentries = -2;
        } else {
            if (!values_layout(tp)) return;
            // a name among the shared keys: an instance may shadow the method
            if (shared_key_index(tp, name, &nentries) >= 0 || nentries < 0) return;
        }
    } else if (tp->tp_dictoffset != 0) {
        return;
    }
    if (c->version && c->version != tp->tp_version_tag && c->nentries >= -1) {
        unsigned int k = c->next_other++ % 3;
        c->other[k].version = c->version;
        c->other[k].method = c->method;
        c->other[k].nentries = c->nentries;
    }
    c->version = tp->tp_version_tag;
    c->method = method;
    c->nentries = nentries;
}

// The method one of a site's earlier entries holds for obj's type, or nullptr.
static inline __attribute__((always_inline)) PyObject* other_method(const MethodCache* c, PyObject* obj) {
    PyTypeObject* tp = Py_TYPE(obj);
    unsigned int version = tp->tp_version_tag;
    if (!version || !type_version_valid(tp)) return nullptr;
    for (int k = 0; k < 3; k++) {
        if (c->other[k].version != version) continue;
        Py_ssize_t n = c->other[k].nentries;
        if (n == -1) return c->other[k].method;
        KeysHead* keys = (KeysHead*)((PyHeapTypeObject*)tp)->ht_cached_keys;
        return keys && keys->dk_nentries == n && instance_values(obj) ? c->other[k].method : nullptr;
    }
    return nullptr;
}

// A -2 entry's test (the type's version already matched): obj keeps no values array and its
// materialised dict, if any, has no key `name`. Its own small function, called from the site
// (go's method calls on Square instances, which have dicts: through the whole slow path
// each paid ~45 instructions around the probe).
ZRT_SLOW_PATH bool no_dict_shadow(PyObject* obj, PyObject* name) {
    if (instance_values(obj)) return false;
    PyDictObject* d = (PyDictObject*)instance_dict(obj);
    if (!d) return true;
    if (!PyDict_CheckExact(d) || d->ma_values) return false;
    KeysHead* dk = (KeysHead*)d->ma_keys;
    Py_hash_t hash = ((PyASCIIObject*)name)->hash;
    return dk->dk_kind == KEYS_UNICODE && hash != -1 && unicode_keys_probe(dk, name, hash) == -1;
}

ZRT_INLINE bool method_cache_hit(const MethodCache* c, PyObject* obj, PyObject* name) {
    PyTypeObject* tp = Py_TYPE(obj);
    if (!c->version || tp->tp_version_tag != c->version || !type_version_valid(tp) || c->nentries == -4)
        return false;
    if (c->nentries == -1) return true;
    if (c->nentries == -2) return no_dict_shadow(obj, name);
    KeysHead* keys = (KeysHead*)((PyHeapTypeObject*)tp)->ht_cached_keys;
    return keys && keys->dk_nentries == c->nentries && instance_values(obj);
}
#endif

// Like get_method (ops.hpp; CPython's _PyObject_GetMethod): 1 and the unbound method, or 0 and the
// attribute, or -1 (error, *out NULL). New reference in *out.

ZRT_SLOW_PATH int get_method_cached_slow(PyObject* obj, PyObject* name, PyObject** out, MethodCache* c) {
#ifdef ZRT_ATTR_CACHE
    // (the site's earlier types were tried in the site: get_method_cached)
    bool cached = method_cache_hit(c, obj, name);
    if (cached) {
        *out = Py_NewRef(c->method);
        return 1;
    }
    if (c->nentries == -4 && Py_TYPE(obj) == &PyType_Type) {
        PyTypeObject* cls = (PyTypeObject*)obj;
        if (cls->tp_version_tag == c->version && type_version_valid(cls)) {
            *out = class_attr_get(c->method, obj);
            return *out ? 0 : -1;
        }
    }
    if (c->nentries == -3 && Py_TYPE(obj) == &PyModule_Type) {
        PyObject* v = module_attr(obj, name, &c->hint);
        if (v) {
            *out = Py_NewRef(v);
            return 0;
        }
        if (PyErr_Occurred()) {
            *out = nullptr;
            return -1;
        }
        return get_method(obj, name, out);
    }
    int r = get_method(obj, name, out);
    if (r == 1) {
        method_cache_fill(c, obj, name, *out);
    } else if (!*out) {
        // a failed lookup (r == 0 with the AttributeError set): nothing to remember, and no
        // _PyType_Lookup now - on a type-cache miss it clears the pending exception, and the
        // caller would see NULL without an error (a crash in its error path)
    } else if (r == 0 && !c->version && module_site(obj, name)) {
        c->nentries = -3;
        c->hint = -1;
    } else if (r == 0 && Py_TYPE(obj) == &PyType_Type) {
        if (PyObject* attr = class_attr_found(obj, name)) {
            c->version = ((PyTypeObject*)obj)->tp_version_tag;
            c->method = attr;
            c->nentries = -4;
        }
    }
    return r;
#else
    (void)c;
    return get_method(obj, name, out);
#endif
}

// The hits, in the site (a -2 entry's dict probe through no_dict_shadow); the rest out of line.
ZRT_SITE_INLINE int get_method_cached(PyObject* obj, PyObject* name, PyObject** out, MethodCache* c) {
#ifdef ZRT_ATTR_CACHE
    PyTypeObject* tp = Py_TYPE(obj);
    if (c->version && tp->tp_version_tag == c->version && type_version_valid(tp)) {
        Py_ssize_t n = c->nentries;
        KeysHead* keys = n >= 0 ? (KeysHead*)((PyHeapTypeObject*)tp)->ht_cached_keys : nullptr;
        if (n == -1 || (keys && keys->dk_nentries == n && instance_values(obj)) ||
            (n == -2 && no_dict_shadow(obj, name))) {
            *out = Py_NewRef(c->method);
            return 1;
        }
    }
    if (c->next_other) {  // an earlier type of the site (see getattr_cached)
        if (PyObject* m = other_method(c, obj)) {
            *out = Py_NewRef(m);
            return 1;
        }
    }
#endif
    return get_method_cached_slow(obj, name, out, c);
}

// Binary operators on instances of compiled classes (translator/methodcalls.py): `a - b`
// calls the compiled `__sub__` directly when CPython's protocol (PyNumber_Subtract ->
// binary_op1 -> slot_nb_subtract -> vectorcall_maybe) would call exactly that function
// first, with (a, b): a's type is a heap type whose MRO gives a plain function for the
// name (then its number slot is the generic slot_nb_* that looks the name up: update_one_slot
// picks it for any Python function), and b is of the same type (its slot is not tried), or
// an exact int or float (whose slot binary_op1 tries only after a's, and which is no
// subtype of a's). a's type must not fill sq_concat/sq_repeat (a list subclass), which
// PyNumber_Add/Multiply try after NotImplemented. A site remembers the function under
// a's type's version tag (MethodCache: version, method).
enum DunderOp { DOP_ADD, DOP_SUB, DOP_MUL, DOP_TRUEDIV };

#ifdef ZRT_ATTR_CACHE
ZRT_INLINE binaryfunc dunder_slot(PyTypeObject* tp, DunderOp op) {
    PyNumberMethods* nb = tp->tp_as_number;
    if (!nb) return nullptr;
    switch (op) {
        case DOP_ADD: return nb->nb_add;
        case DOP_SUB: return nb->nb_subtract;
        case DOP_MUL: return nb->nb_multiply;
        default: return nb->nb_true_divide;
    }
}

ZRT_INLINE const char* dunder_name(DunderOp op) {
    static const char* const names[] = {"__add__", "__sub__", "__mul__", "__truediv__"};
    return names[op];
}

// b of another type than a (not an exact int or float, checked inline): a subtype of a's
// type has its reflected method tried first (slot_nb_*'s do_other), and a sequence's
// sq_repeat makes `a * seq` a repetition after NotImplemented - the generic call then.
ZRT_SLOW_PATH bool dunder_other_ok(PyTypeObject* ta, PyTypeObject* tb, DunderOp op) {
    if (PyType_IsSubtype(tb, ta)) return false;
    PySequenceMethods* sq = tb->tp_as_sequence;
    return !(op == DOP_MUL && sq && sq->sq_repeat);
}

// The site's answer for a's type, remembered under its version tag: the function, or none
// (c->method nullptr: `s + t` on strs in a module with a compiled __add__ asks once).
ZRT_SLOW_PATH PyObject* dunder_fill(PyObject* a, DunderOp op, MethodCache* c) {
    static PyObject* names[4];
    PyTypeObject* tp = Py_TYPE(a);
    PyObject* found = nullptr;
    PySequenceMethods* sq = tp->tp_as_sequence;
    if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && !(sq && (sq->sq_concat || sq->sq_repeat))) {
        if (!names[op] && !(names[op] = PyUnicode_InternFromString(dunder_name(op)))) {
            PyErr_Clear();
            return nullptr;
        }
        PyObject* f = _PyType_Lookup(tp, names[op]);  // (may give the type its version tag)
        if (f && Py_TYPE(f) == &FunctionType) found = f;
    }
    if (!type_version_valid(tp)) return nullptr;
    c->version = tp->tp_version_tag;
    c->method = found;
    return Py_XNewRef(found);
}
#endif

// The compiled function `a op b` calls first (new reference), or nullptr (no error): the
// site then makes the generic call.
ZRT_SITE_INLINE PyObject* dunder_method(PyObject* a, PyObject* b, DunderOp op, MethodCache* c) {
#ifdef ZRT_ATTR_CACHE
    PyTypeObject* ta = Py_TYPE(a);
    PyTypeObject* tb = Py_TYPE(b);
    if (tb != ta && tb != &PyFloat_Type && tb != &PyLong_Type && !dunder_other_ok(ta, tb, op)) return nullptr;
    if (c->version && ta->tp_version_tag == c->version && type_version_valid(ta)) return Py_XNewRef(c->method);
    return dunder_fill(a, op, c);
#else
    (void)a, (void)b, (void)op, (void)c;
    return nullptr;
#endif
}

#ifdef ZRT_ATTR_CACHE
// After the direct call: NotImplemented from a's method leaves what slot_nb_* and then
// binary_op1 and PyNumber_* do next. b of another type whose number slot is the same
// generic slot_nb_* (a class defining the operator or its reflection): slot_nb_*'s
// do_other, b's reflected method looked up on its type and called (b, a) as
// vectorcall_maybe does; b of another type with another slot: that slot (an int's or
// float's: a float subclass `a` may still get a float). Then the TypeError.
ZRT_SLOW_PATH PyObject* dunder_not_implemented(PyObject* a, PyObject* b, DunderOp op) {
    PyTypeObject* ta = Py_TYPE(a);
    PyTypeObject* tb = Py_TYPE(b);
    if (tb != ta) {
        binaryfunc fb = dunder_slot(tb, op);
        if (fb && fb == dunder_slot(ta, op)) {
            static const char* const rnames[] = {"__radd__", "__rsub__", "__rmul__", "__rtruediv__"};
            Ref rname(PyUnicode_InternFromString(rnames[op]));
            if (!rname.p) return nullptr;
            PyObject* m = _PyType_Lookup(tb, rname.p);  // borrowed
            if (m) {
                Ref hold(Py_NewRef(m));
                PyObject* x;
                if (ZRT_TP_FLAGS(Py_TYPE(m)) & Py_TPFLAGS_METHOD_DESCRIPTOR) {
                    PyObject* args[] = {b, a};
                    x = PyObject_Vectorcall(m, args, 2, nullptr);
                } else {
                    descrgetfunc get = Py_TYPE(m)->tp_descr_get;
                    Ref bound(get ? get(m, b, (PyObject*)tb) : Py_NewRef(m));
                    x = bound.p ? PyObject_CallOneArg(bound.p, a) : nullptr;
                }
                if (x != Py_NotImplemented) return x;
                Py_DECREF(x);
            }
        } else if (fb) {
            PyObject* x = fb(a, b);
            if (x != Py_NotImplemented) return x;
            Py_DECREF(x);
        }
    }
    static const char* const signs[] = {"+", "-", "*", "/"};
    PyErr_Format(PyExc_TypeError, "unsupported operand type(s) for %.100s: '%.100s' and '%.100s'", signs[op],
                 ZRT_TP_NAME(ta), ZRT_TP_NAME(tb));
    return nullptr;
}

ZRT_SITE_INLINE PyObject* dunder_result(PyObject* r, PyObject* a, PyObject* b, DunderOp op) {
    if (r != Py_NotImplemented) return r;
    Py_DECREF(r);
    return dunder_not_implemented(a, b, op);
}
#else
ZRT_INLINE PyObject* dunder_result(PyObject* r, PyObject*, PyObject*, DunderOp) { return r; }  // (never called)
#endif

ZRT_INLINE PyObject* dunder_code(PyObject* f) { return f ? PyFunction_GET_CODE(f) : (PyObject*)&no_code; }

#if !ZRT_LIMITED
// list.append's method descriptor (borrowed: list's dict holds it for good), once found.
static PyObject* list_append_method = nullptr;

ZRT_SLOW_PATH PyObject* find_list_append() {
    PyObject* name = PyUnicode_InternFromString("append");
    if (!name) {
        PyErr_Clear();
        return nullptr;
    }
    list_append_method = _PyType_Lookup(&PyList_Type, name);
    Py_DECREF(name);
    return list_append_method;
}
#endif

// The call of obj.name(args) after get_method_cached: args[0] is obj when the lookup gave
// an unbound method. `lst.append(x)` on a list whose append is list.append appends directly, as the interpreter's
// CALL_LIST_APPEND does (list.append's descriptor and its argument checks cost ~100
// instructions around an append of ~15: strings 0.97x on 3.13).
ZRT_SITE_INLINE PyObject* call_method_vector(TState ts, PyObject* meth, PyObject* const* args, size_t nargsf,
                                             PyObject* kwnames) {
#if !ZRT_LIMITED
    // (list.append itself was found: a subclass that defines its own append gives another)
    if (PyVectorcall_NARGS(nargsf) == 2 && !kwnames && PyList_Check(args[0]) &&
        (meth == list_append_method || (!list_append_method && meth == find_list_append()))) {
        if (PyList_Append(args[0], args[1]) < 0) return nullptr;
        return Py_NewRef(Py_None);
    }
    // A Python function, interpreted or compiled (deltablue's and richards' methods): straight
    // into its vectorcall slot, which is what PyObject_Vectorcall finds there, without the
    // thread-state lookup (a TLS call when libpython is a shared library) and the result check
    // that only a misbehaving C function needs.
    // (call_function_ts: a compiled method's body gets the caller's thread state)
    if (Py_TYPE(meth) == &FunctionType || Py_TYPE(meth) == &PyFunction_Type)
        return call_function_ts(ts, meth, args, nargsf, kwnames);
#else
    (void)ts;
#endif
    return PyObject_Vectorcall(meth, args, nargsf, kwnames);
}

}  // namespace zrt
