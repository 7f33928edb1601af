// ziggurat runtime: calls of list methods bound earlier and kept in a local
// (`pop = lst.pop` ... `pop(0)`, `ins = lst.insert` ... `ins(i, x)`, as pyperformance's
// fannkuch does), done on the list directly instead of through the bound method's
// vectorcall, argument clinic and index conversion.
//
// What it must not do: change anything Python code can see. The fast path is taken only
// when the callee is exactly a builtin method object whose method definition is list's own
// `pop`/`insert` and whose self is an exact list, and the index an exact int in range; the
// list's allocation then ends up as the method would leave it (pop falls back whenever the
// method would shrink the allocation). Anything else - another callable, a subclass, an
// out-of-range or huge index, an index with __index__ - is the ordinary call.
// Under abi3 the builtin method object's layout is hidden: always the ordinary call.
#pragma once
#include "native.hpp"

namespace zrt {

#if !ZRT_LIMITED
// list's own method definitions, found once by name in PyList_Type's method table (the
// bound method objects `lst.pop` makes point at these very entries).
struct ListMethodDefs {
    PyMethodDef* pop = nullptr;
    PyMethodDef* insert = nullptr;
    bool looked = false;
};
static ListMethodDefs g_list_defs;

static inline const ListMethodDefs& list_method_defs() {
    if (!g_list_defs.looked) {
        g_list_defs.looked = true;
        for (PyMethodDef* d = PyList_Type.tp_methods; d && d->ml_name; d++) {
            if (!strcmp(d->ml_name, "pop")) g_list_defs.pop = d;
            else if (!strcmp(d->ml_name, "insert")) g_list_defs.insert = d;
        }
    }
    return g_list_defs;
}

// The exact list f is bound to when f is `lst.<def>` (a builtin method of an exact list).
static inline PyObject* bound_list_of(PyObject* f, PyMethodDef* def) {
    if (!def || !Py_IS_TYPE(f, &PyCFunction_Type) || ((PyCFunctionObject*)f)->m_ml != def) return nullptr;
    PyObject* self = ((PyCFunctionObject*)f)->m_self;
    return self && PyList_CheckExact(self) ? self : nullptr;
}

// An exact int that fits a Py_ssize_t (no __index__ to run), or false.
static inline bool exact_index(PyObject* v, Py_ssize_t* out) {
    int64_t i;
    if (!PyLong_CheckExact(v) || !long_to_i64(v, &i)) return false;
    if (i < PY_SSIZE_T_MIN || i > PY_SSIZE_T_MAX) return false;  // 32-bit targets
    *out = (Py_ssize_t)i;
    return true;
}
#endif

// f(a): `lst.pop(i)` done in place when it provably matches the method.
static inline PyObject* call_local_one(PyObject* f, PyObject* a) {
#if !ZRT_LIMITED
    if (PyObject* lst = bound_list_of(f, list_method_defs().pop)) {
        Py_ssize_t i, n = PyList_GET_SIZE(lst);
        PyListObject* l = (PyListObject*)lst;
        // list_resize shrinks the allocation below half full: leave that to the method
        if (exact_index(a, &i) && n > 0 && (i < 0 ? i + n : i) >= 0 && (i < 0 ? i + n : i) < n &&
            n - 1 >= (l->allocated >> 1)) {
            if (i < 0) i += n;
            PyObject* v = l->ob_item[i];
            memmove(&l->ob_item[i], &l->ob_item[i + 1], (size_t)(n - i - 1) * sizeof(PyObject*));
            Py_SET_SIZE(l, n - 1);
            return v;  // the list's reference passes to the caller
        }
    }
#endif
    return call_one(f, a);
}

// f(a, b): `lst.insert(i, x)` through PyList_Insert (the method's own insertion).
static inline PyObject* call_local_two(PyObject* f, PyObject* a, PyObject* b) {
#if !ZRT_LIMITED
    if (PyObject* lst = bound_list_of(f, list_method_defs().insert)) {
        Py_ssize_t i;
        if (exact_index(a, &i)) {
            PyListObject* l = (PyListObject*)lst;
            Py_ssize_t n = PyList_GET_SIZE(lst);
            if (n < l->allocated && n + 1 >= (l->allocated >> 1)) {
                // room for one more and not under half full (list_resize would reallocate):
                // what PyList_Insert does (the index clamped to 0..n, the items moved up one,
                // the size grown, the allocation left as it is), without its calls
                if (i < 0) i = i + n < 0 ? 0 : i + n;
                if (i > n) i = n;
                memmove(&l->ob_item[i + 1], &l->ob_item[i], (size_t)(n - i) * sizeof(PyObject*));
                l->ob_item[i] = Py_NewRef(b);
                Py_SET_SIZE(l, n + 1);
                return Py_NewRef(Py_None);
            }
            if (PyList_Insert(lst, i, b) < 0) return nullptr;
            return Py_NewRef(Py_None);
        }
    }
#endif
    PyObject* args[] = {nullptr, a, b};
    return call_vector(nullptr, f, args + 1, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
}

// -- x[a:] = x[b:] + x[a:b] in place (translator/list_stmts.py) ---------------------------

// A bound local's exact int value (no code runs); false for anything else.
static inline bool obj_i64(PyObject* o, int64_t* out) {
    return o && PyLong_CheckExact(o) && long_to_i64(o, out);
}
static inline bool num_i64(const Num& n, int64_t* out) {
    if (n.k == NUM_INT) {
        *out = n.i;
        return true;
    }
    return n.k == NUM_OBJ && obj_i64(n.o, out);
}

// The statement's effect when 0 <= a <= b <= len: the items from a on rotated left by b - a
// (the same items and references; the size, so the allocation, unchanged). false = not
// done, nothing touched: the caller runs the statement as written.
static inline bool list_rotate_left(PyObject* lst, int64_t a, int64_t b) {
#if ZRT_LIMITED
    (void)lst, (void)a, (void)b;
    return false;  // abi3: the items array is hidden; the statement as written
#else
    int64_t n = (int64_t)PyList_GET_SIZE(lst);
    if (a < 0 || a > b || b > n) return false;
    int64_t k = b - a;
    if (k == 0 || b == n) return true;  // x[a:] = x[a:] + [] / x[b:] is empty: the same list
    enum { MAX_SHIFT = 16 };
    if (k > MAX_SHIFT) return false;
    PyObject* saved[MAX_SHIFT];
    PyObject** items = ((PyListObject*)lst)->ob_item;
    memcpy(saved, items + a, (size_t)k * sizeof(PyObject*));
    memmove(items + a, items + b, (size_t)(n - b) * sizeof(PyObject*));
    memcpy(items + n - k, saved, (size_t)k * sizeof(PyObject*));
#endif
    return true;
}

// -- a = b[:] into the list a holds when no one else does (translator/list_stmts.py) ------

// The statement makes a new list with b's items (allocated for exactly those), then the
// list a held dies. When a holds an exact list only the local refers to (refcount 1),
// allocated for exactly len(b) items, that list is refilled in place: the same items and
// references as the new list, the same size and allocation, the old items released after
// the new ones are held and in list_dealloc's order. Only the object's identity differs,
// and the old one is unreachable, so no one can compare them. false = not done, nothing
// touched: the caller runs the statement as written.
static inline bool list_copy_into(PyObject* dst, PyObject* src) {
#if ZRT_LIMITED
    (void)dst, (void)src;
    return false;  // abi3: the items array is hidden
#else
    enum { MAX_ITEMS = 64 };
    if (dst == src || !PyList_CheckExact(dst) || !PyList_CheckExact(src) || Py_REFCNT(dst) != 1) return false;
    PyListObject* d = (PyListObject*)dst;
    Py_ssize_t n = PyList_GET_SIZE(src), old = PyList_GET_SIZE(dst);
    if (n == 0 || n > MAX_ITEMS || d->allocated != n) return false;
    PyObject* saved[MAX_ITEMS];
    memcpy(saved, d->ob_item, (size_t)old * sizeof(PyObject*));
    PyObject** from = ((PyListObject*)src)->ob_item;
    for (Py_ssize_t k = 0; k < n; k++) d->ob_item[k] = newref(from[k]);
    Py_SET_SIZE(d, n);
    for (Py_ssize_t k = old; --k >= 0;) Py_XDECREF(saved[k]);
    return true;
#endif
}

// -- while loops on int64 variables (translator/intloop.py) ------------------------------
//
// Each helper either does the whole operation exactly as the interpreter would leave it and
// returns true, or touches nothing and returns false (the loop then goes on in its generic
// copy at that statement). No helper runs Python code or allocates: items stored are the
// interpreter's cached small ints, and an old item is released only when someone else still
// holds it (so no finaliser can run). Under abi3 the list layout is hidden: all false.

#if !ZRT_LIMITED
// Where CPython keeps its small-int objects: on 3.11+ one static array of PyLongObjects
// (checked once, every one of them, by boxing each value), so "o is the cache's object for
// its value" is an address range test. base stays nullptr where they are not laid out so
// (3.10 allocates them one by one): the slower test through box_i64 then.
struct SmallIntBlock {
    char* base = nullptr;
    bool looked = false;
};
static SmallIntBlock g_small_block;

__attribute__((noinline)) static void il_small_look() {
    g_small_block.looked = true;
    char* base = nullptr;
    for (int k = 0; k < SMALL_INT_COUNT; k++) {
        PyObject* o = box_i64(SMALL_INT_MIN + k);
        if (!o) {
            PyErr_Clear();
            return;
        }
        Py_DECREF(o);  // (the cache holds it)
        if (k == 0) base = (char*)o;
        if ((char*)o != base + (size_t)k * sizeof(PyLongObject)) return;
    }
    g_small_block.base = base;
}
#endif

// o is the small-int cache's object for its value v (o an exact int of value v).
static inline bool il_small_is_cached(PyObject* o, int64_t v) {
    if ((uint64_t)(v - SMALL_INT_MIN) >= (uint64_t)SMALL_INT_COUNT) return false;
#if !ZRT_LIMITED
    if (g_small_block.base) return (char*)o == g_small_block.base + (size_t)(v - SMALL_INT_MIN) * sizeof(PyLongObject);
#endif
    PyObject* c = box_i64(v);  // (the cache's object: no allocation)
    if (!c) {
        PyErr_Clear();
        return false;
    }
    Py_DECREF(c);
    return c == o;
}

#if !ZRT_LIMITED
// The value of o when it is one of the cache's objects (an address test on 3.11+).
ZRT_NATIVE bool il_cached_value(PyObject* o, int64_t* out) {
    if (g_small_block.base) {
        size_t d = (size_t)((char*)o - g_small_block.base);
        if (d >= (size_t)SMALL_INT_COUNT * sizeof(PyLongObject) || d % sizeof(PyLongObject)) return false;
        *out = (int64_t)(d / sizeof(PyLongObject)) + SMALL_INT_MIN;
        return true;
    }
    return PyLong_CheckExact(o) && long_to_i64(o, out) && il_small_is_cached(o, *out);
}
#endif

// A Num local's value for the native loop: an exact int that fits int64, and, when it has a
// box, one whose identity the loop keeps (not a small int the cache did not make).
ZRT_NATIVE bool il_int(const Num& n, int64_t* out) {
#if ZRT_LIMITED
    (void)n, (void)out;
    return false;
#else
    if (__builtin_expect(!g_small_block.looked, 0)) il_small_look();
    if (n.k == NUM_INT) {
        *out = n.i;
    } else if (!(n.k == NUM_OBJ && n.o && PyLong_CheckExact(n.o) && long_to_i64(n.o, out))) {
        return false;
    }
    // a box of a small value that is not the cache's object: re-boxing would change identity
    return !n.o || (uint64_t)(*out - SMALL_INT_MIN) >= (uint64_t)SMALL_INT_COUNT || il_small_is_cached(n.o, *out);
#endif
}

// v is a value of the small-int cache.
ZRT_NATIVE bool il_small(int64_t v) { return (uint64_t)(v - SMALL_INT_MIN) < (uint64_t)SMALL_INT_COUNT; }

// `a[p], a[q] = a[q], a[p]` on an exact list: both indices in range (negative ones from
// the end), the two references trade places (no count changes, nothing released).
ZRT_NATIVE bool il_swap(PyObject* lst, int64_t p, int64_t q) {
#if ZRT_LIMITED
    (void)lst, (void)p, (void)q;
    return false;
#else
    int64_t n = (int64_t)PyList_GET_SIZE(lst);
    if (p < 0) p += n;
    if (q < 0) q += n;
    if (p < 0 || p >= n || q < 0 || q >= n) return false;
    PyObject** items = ((PyListObject*)lst)->ob_item;
    PyObject* t = items[p];
    items[p] = items[q];
    items[q] = t;
    return true;
#endif
}

// il_int for a local that may be unbound (*bound says which; an unbound one is fine).
ZRT_NATIVE bool il_int_or_unbound(const Num& n, int64_t* out, bool* bound) {
    *bound = n.bound();
    return !*bound || il_int(n, out);
}

// The object a Num local holds when it is not a number (a list parameter of a function
// with a direct entry), or nullptr.
ZRT_NATIVE PyObject* il_obj(const Num& n) { return n.k == NUM_OBJ ? n.o : nullptr; }

// The exact list a local holds (borrowed), or nullptr.
ZRT_NATIVE PyObject* il_list(PyObject* o) {
#if ZRT_LIMITED
    (void)o;
    return nullptr;
#else
    if (__builtin_expect(!g_small_block.looked, 0)) il_small_look();
    return o && PyList_CheckExact(o) ? o : nullptr;
#endif
}

// The exact list m is `lst.insert` (pop = 0) / `lst.pop` (pop = 1) of, or nullptr.
ZRT_NATIVE PyObject* il_method_list(PyObject* m, int pop) {
#if ZRT_LIMITED
    (void)m, (void)pop;
    return nullptr;
#else
    return m ? bound_list_of(m, pop ? list_method_defs().pop : list_method_defs().insert) : nullptr;
#endif
}

#if !ZRT_LIMITED
// The item index i names (negative from the end), or -1 when out of range.
ZRT_NATIVE Py_ssize_t il_index(PyObject* lst, int64_t i) {
    int64_t n = (int64_t)PyList_GET_SIZE(lst);
    if (i < 0) i += n;
    return (uint64_t)i < (uint64_t)n ? (Py_ssize_t)i : -1;
}
#endif

// lst[i] as an int64 (any exact int that fits).
ZRT_NATIVE bool il_get(PyObject* lst, int64_t i, int64_t* out) {
#if ZRT_LIMITED
    (void)lst, (void)i, (void)out;
    return false;
#else
    Py_ssize_t k = il_index(lst, i);
    if (k < 0) return false;
    PyObject* o = PyList_GET_ITEM(lst, k);
    return il_cached_value(o, out) || (PyLong_CheckExact(o) && long_to_i64(o, out));
#endif
}

// lst[i] for `x = lst[i]`: only a small int that is the cache's object (x would be bound to
// the item itself; boxing the value again gives that very object back).
ZRT_NATIVE bool il_get_small(PyObject* lst, int64_t i, int64_t* out) {
#if ZRT_LIMITED
    (void)lst, (void)i, (void)out;
    return false;
#else
    Py_ssize_t k = il_index(lst, i);
    if (k < 0) return false;
    return il_cached_value(PyList_GET_ITEM(lst, k), out);
#endif
}

// lst[i] = v for a value of the small-int cache (the object CPython's own result would be),
// replacing an item someone else also holds.
ZRT_NATIVE bool il_set(PyObject* lst, int64_t i, int64_t v) {
#if ZRT_LIMITED
    (void)lst, (void)i, (void)v;
    return false;
#else
    if ((uint64_t)(v - SMALL_INT_MIN) >= (uint64_t)SMALL_INT_COUNT) return false;
    Py_ssize_t k = il_index(lst, i);
    if (k < 0) return false;
    PyObject* old = PyList_GET_ITEM(lst, k);
    if (Py_REFCNT(old) < 2) return false;  // its release would free it (and may run code)
    PyObject* o = box_i64(v);
    if (!o) {
        PyErr_Clear();
        return false;
    }
    PyList_SET_ITEM(lst, k, o);
    Py_DECREF(old);
    return true;
#endif
}

// a = b[:] in the native loop: list_copy_into, in one pass when every old item is one of
// the small-int cache's objects (releasing those frees nothing and runs no code however often
// the list holds them, the cache keeping its own reference, so the order of the releases
// cannot show).
ZRT_NATIVE bool il_copy_into(PyObject* dst, PyObject* src) {
#if ZRT_LIMITED
    (void)dst, (void)src;
    return false;
#else
    PyListObject* d = (PyListObject*)dst;
    Py_ssize_t n = PyList_GET_SIZE(src);
    char* base = g_small_block.base;
    if (!base || dst == src || Py_REFCNT(dst) != 1 || PyList_GET_SIZE(dst) != n || d->allocated != n || n == 0)
        return list_copy_into(dst, src);
    PyObject** items = d->ob_item;
    for (Py_ssize_t k = 0; k < n; k++)
        if ((size_t)((char*)items[k] - base) >= (size_t)SMALL_INT_COUNT * sizeof(PyLongObject))
            return list_copy_into(dst, src);
    PyObject** from = ((PyListObject*)src)->ob_item;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject* o = items[k];
        items[k] = newref(from[k]);
        Py_DECREF(o);
    }
    return true;
#endif
}

// lst[:hi] = lst[lo::-1] when the two cover the same items (0 <= lo < len, hi == lo + 1):
// the items reversed in place - the same references, size and allocation the slice store
// of the reversed copy leaves.
ZRT_NATIVE bool il_flip(PyObject* lst, int64_t hi, int64_t lo) {
#if ZRT_LIMITED
    (void)lst, (void)hi, (void)lo;
    return false;
#else
    if (lo < 0 || lo >= (int64_t)PyList_GET_SIZE(lst) || hi != lo + 1) return false;
    PyObject** items = ((PyListObject*)lst)->ob_item;
    for (int64_t a = 0, b = lo; a < b; a++, b--) {
        PyObject* t = items[a];
        items[a] = items[b];
        items[b] = t;
    }
    return true;
#endif
}

// ins(i, pop(j)) where ins is `a.insert` and pop is `b.pop` (a and b exact lists, maybe the
// same): the item moved, when pop's index is in range and neither method would change the
// allocation (call_local_one's and call_local_two's conditions, the second on the size the
// pop leaves).
ZRT_NATIVE bool il_pop_insert(PyObject* a, int64_t i, PyObject* b, int64_t j) {
#if ZRT_LIMITED
    (void)a, (void)i, (void)b, (void)j;
    return false;
#else
    PyListObject* lb = (PyListObject*)b;
    PyListObject* la = (PyListObject*)a;
    Py_ssize_t nb = PyList_GET_SIZE(b);
    Py_ssize_t k = il_index(b, j);
    if (k < 0 || nb - 1 < (lb->allocated >> 1)) return false;
    if (i < PY_SSIZE_T_MIN || i > PY_SSIZE_T_MAX) return false;  // 32-bit targets
    Py_ssize_t na = PyList_GET_SIZE(a) - (a == b ? 1 : 0);
    if (!(na < la->allocated && na + 1 >= (la->allocated >> 1))) return false;
    PyObject* v = lb->ob_item[k];
    Py_ssize_t at = (Py_ssize_t)i;
    if (at < 0) at = at + na < 0 ? 0 : at + na;
    if (at > na) at = na;
    if (a == b) {
        // the same list: only the items between the two places move (the size and the
        // allocation end up as they were)
        PyObject** it = la->ob_item;
        for (Py_ssize_t x = k; x < at; x++) it[x] = it[x + 1];
        for (Py_ssize_t x = k; x > at; x--) it[x] = it[x - 1];
        it[at] = v;
        return true;
    }
    for (Py_ssize_t x = k; x < nb - 1; x++) lb->ob_item[x] = lb->ob_item[x + 1];
    Py_SET_SIZE(lb, nb - 1);
    for (Py_ssize_t x = na; x > at; x--) la->ob_item[x] = la->ob_item[x - 1];
    la->ob_item[at] = v;  // (pop's reference passes to the list, as the calls would leave it)
    Py_SET_SIZE(la, na + 1);
    return true;
#endif
}

// -- the first iterable of an inlined generator expression (translator/genexpr_inline.py) --
//
// An exact list or tuple is walked by index, reading the size on every step as their
// iterators do (a list growing or shrinking meanwhile gives the same items); an exact range
// whose start, step and length fit int64 is counted. Those iterators run no code and are on
// no name, so not making them cannot be seen; everything else gets iter() at the start, as
// the interpreter takes it. seq_walk_iter makes the iterator when the generic path needs it.
struct SeqWalk {
    Ref seq;  // the list, tuple or range walked in place
    Ref it;   // the iterator (kind 0, or made for the generic path)
    int kind = 0;  // 0 iterator, 1 list/tuple by index, 2 counted range
    Py_ssize_t k = 0;
    RangeLoop range = {};  // kind 2 (native.hpp's counter of `for i in range(...)`)
    void clear() {
        seq.clear();
        it.clear();
    }
};

#if !ZRT_LIMITED
// rangeobject's layout (Objects/rangeobject.c, the same in 3.10-3.13; not in any header).
struct RangeFields {
    PyObject_HEAD
    PyObject* start;
    PyObject* stop;
    PyObject* step;
    PyObject* length;
};
#endif

static inline int seq_walk_start(PyObject* o, SeqWalk* w) {
    if (PyList_CheckExact(o) || PyTuple_CheckExact(o)) {
        w->seq.set(newref(o));
        w->kind = 1;
        return 0;
    }
#if !ZRT_LIMITED
    if (PyRange_Check(o)) {  // (range cannot be subclassed)
        RangeFields* r = (RangeFields*)o;
        // (stop too: every value then lies between start and stop, inside int64)
        int64_t start, stop, step, len;
        if (PyLong_CheckExact(r->start) && long_to_i64(r->start, &start) && PyLong_CheckExact(r->stop) &&
            long_to_i64(r->stop, &stop) && PyLong_CheckExact(r->step) && long_to_i64(r->step, &step) &&
            PyLong_CheckExact(r->length) && long_to_i64(r->length, &len)) {
            (void)stop;
            w->seq.set(newref(o));
            w->kind = 2;
            w->range = RangeLoop{start, step, (uint64_t)len};
            return 0;
        }
    }
#endif
    w->it.set(PyObject_GetIter(o));
    return w->it.p ? 0 : -1;
}

// The next item in *out (a new reference): 1, 0 at the end, -1 on an error.
ZRT_NATIVE int seq_walk_next(SeqWalk* w, PyObject** out) {
    if (w->kind == 1) {
        Py_ssize_t k = w->k;
        if (k >= seq_size(w->seq.p)) return 0;
        w->k = k + 1;
        *out = newref(seq_item(w->seq.p, k));
        return 1;
    }
    if (w->kind == 2) {
        if (!w->range.left) return 0;
        // (only the step past the last value may leave int64, and it is never used)
        *out = box_i64(range_next(&w->range));
        return *out ? 1 : -1;
    }
    return iter_next(w->it.p, out);
}

// The iterator of the walk (borrowed; nullptr = error), made now for a walked sequence.
static inline PyObject* seq_walk_iter(SeqWalk* w) {
    if (!w->it.p) w->it.set(PyObject_GetIter(w->seq.p));
    return w->it.p;
}

}  // namespace zrt
