// ziggurat runtime: inlined generator expressions (translator/genexpr_inline.py) whose
// element picks items of one sequence by the loop variable - `tuple(pool[i] for i in
// indices[:r])`, `len(set(vec[i] + i for i in cols))` (pyperformance's nqueens) - done as
// one native pass over the indices, without the slice list, the boxed indices, the boxed
// sums or the per-item loop.
//
// What it must not do: give a result the loop would not, or skip anything Python code could
// see. A pass is taken only when it runs no code at all: the indices come from an exact list
// or tuple (or its step-1 slice with native bounds, which copies without running code) or a
// counted range, every index is an exact int within the picked sequence (an exact list or
// tuple), and for the counted sums every item is an exact int whose sum with the index stays
// in int64 and in DistinctCount's window. Then nothing the loop would run can be observed
// (no __index__, __getitem__, __add__, __hash__ or __eq__ of anyone's), and the loop
// variable lives in the expression's own scope, which nobody can see. The first index or
// item that is anything else returns 0 before anything is kept, and the ordinary inlined
// loop runs from the start, exactly as it would have.
#pragma once
#include "listops.hpp"
#include "setcount.hpp"

namespace zrt {

#if !ZRT_LIMITED
// The item array of an exact list or tuple (its ob_item).
ZRT_NATIVE PyObject** pick_array(PyObject* o) {
    return PyList_CheckExact(o) ? ((PyListObject*)o)->ob_item : ((PyTupleObject*)o)->ob_item;
}
#endif

// The indices of a pass: n index objects of an exact list/tuple, or a counted range.
struct PickIndices {
    PyObject* const* items = nullptr;  // borrowed; nullptr: the range start, start + step...
    Py_ssize_t n = 0;
    int64_t start = 0, step = 0;

    // the k-th index; false when it is not an exact int held in int64
    bool at(Py_ssize_t k, int64_t* v) const {
        if (!items) {  // (every value of a counted range lies between its int64 bounds)
            *v = (int64_t)((uint64_t)start + (uint64_t)k * (uint64_t)step);
            return true;
        }
        PyObject* o = items[k];
        return PyLong_CheckExact(o) && long_to_i64(o, v);
    }
};

// The not-yet-walked part of a walk begun by seq_walk_start (its iterator kind: false).
// Under abi3 the item arrays are hidden: never (the loop runs).
ZRT_NATIVE bool pick_indices_of_walk(const SeqWalk* w, PickIndices* ix) {
#if ZRT_LIMITED
    (void)w, (void)ix;
    return false;
#else
    if (w->kind == 1) {
        Py_ssize_t len = seq_size(w->seq.p);
        if (w->k > len) return false;
        ix->items = pick_array(w->seq.p) + w->k;
        ix->n = len - w->k;
        return true;
    }
    if (w->kind == 2) {
        ix->start = w->range.next;
        ix->step = w->range.step;
        ix->n = (Py_ssize_t)w->range.left;
        return (uint64_t)ix->n == w->range.left;
    }
    return false;
#endif
}

// The items `lst[lo:hi]` would copy (an exact list or tuple, native or absent bounds).
ZRT_NATIVE bool pick_indices_of_slice(PyObject* lst, Bound lo, Bound hi, PickIndices* ix) {
#if ZRT_LIMITED
    (void)lst, (void)lo, (void)hi, (void)ix;
    return false;
#else
    if (!PyList_CheckExact(lst) && !PyTuple_CheckExact(lst)) return false;
    Py_ssize_t len = seq_size(lst), a, b;
    if (!slice_index(lo, len, 0, 1, &a) || !slice_index(hi, len, len, 1, &b)) return false;
    ix->items = pick_array(lst) + a;
    ix->n = b < a ? 0 : b - a;
    return true;
#endif
}

// p[v]'s position in p (n items), or -1 when p[v] would raise
ZRT_NATIVE Py_ssize_t pick_position(int64_t v, Py_ssize_t n) {
    if (v < 0) v += n;
    return v >= 0 && v < n ? (Py_ssize_t)v : -1;
}

// `tuple(p[v] for v in <ix>)` (as_list: `list(...)`): 1 with the new sequence in *out, 0 when
// the pass does not apply (nothing kept), -1 on an error (no memory).
static inline int pick_items(PyObject* p, const PickIndices& ix0, bool as_list, Ref* out) {
#if ZRT_LIMITED
    (void)p, (void)ix0, (void)as_list, (void)out;
    return 0;
#else
    const PickIndices ix = ix0;  // (a copy: the stores below cannot alias it)
    if (!p || (!PyList_CheckExact(p) && !PyTuple_CheckExact(p))) return 0;
    PyObject* const* src = pick_array(p);
    Py_ssize_t np = seq_size(p);
    PyObject* r = as_list ? PyList_New(ix.n) : PyTuple_New(ix.n);
    if (!r) return -1;
    PyObject** dst = pick_array(r);
    for (Py_ssize_t k = 0; k < ix.n; k++) {
        int64_t v;
        Py_ssize_t at;
        if (!ix.at(k, &v) || (at = pick_position(v, np)) < 0) {
            Py_DECREF(r);  // (the items stored so far go with it; the rest are still NULL)
            return 0;
        }
        dst[k] = newref(src[at]);
    }
    out->set(r);
    return 1;
#endif
}

// `len(set(p[v] + sign * v for v in <ix>))` (sign 0: `p[v]` itself) counted into a fresh
// DistinctCount: 1 when counted, 0 when the pass does not apply (the count left fresh).
static inline int pick_distinct(PyObject* p, const PickIndices& ix0, int sign, DistinctCount* dc) {
#if ZRT_LIMITED
    (void)p, (void)ix0, (void)sign, (void)dc;
    return 0;
#else
    const PickIndices ix = ix0;
    if (!p || (!PyList_CheckExact(p) && !PyTuple_CheckExact(p)) || dc->set.p || dc->n) return 0;
    PyObject* const* src = pick_array(p);
    Py_ssize_t np = seq_size(p), count = 0;
    uint64_t* bits = dc->bits;
    for (Py_ssize_t k = 0; k < ix.n; k++) {
        int64_t v, x, r;
        Py_ssize_t at;
        if (!ix.at(k, &v) || (at = pick_position(v, np)) < 0) goto undo;
        if (!PyLong_CheckExact(src[at]) || !long_to_i64(src[at], &x)) goto undo;
        if (sign > 0 ? __builtin_add_overflow(x, v, &r) : sign < 0 ? __builtin_sub_overflow(x, v, &r) : (r = x, false))
            goto undo;
        {
            uint64_t b = (uint64_t)(r - DistinctCount::LO), m = (uint64_t)1 << (b & 63);
            if (b >= (uint64_t)DistinctCount::SPAN) goto undo;
            if (!(bits[b >> 6] & m)) {
                bits[b >> 6] |= m;
                count++;
            }
        }
    }
    dc->n = count;
    return 1;
undo:  // (only bits were set: the count is fresh again)
    memset(dc->bits, 0, sizeof(dc->bits));
    return 0;
#endif
}

}  // namespace zrt
