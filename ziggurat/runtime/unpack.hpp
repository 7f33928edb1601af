// Unpacking assignments whose targets are all plain fast locals (`a, b, c = seq`), inline.
//
// CPython's UNPACK_SEQUENCE takes every item before STORE_FAST assigns the first target:
// a store releases the old value, which can run __del__, which can mutate the very list being
// unpacked - what was unpacked must not change. So the fast path (an exact tuple or list of
// the right size) reads and increfs all items first, then stores left to right, each store
// releasing the old value after it. Everything else (other iterables, subclasses, a wrong
// size with its message, abi3) goes out of line through zrt::unpack.
//
// Must not: grow per statement. pyperformance's unpack_sequence has 400 of these in one
// function; a version with an owned temporary (and its cleanup path) per item made clang
// take minutes. Here a statement is one type/size test, straight-line loads, increfs and
// stores, one cold call and one error branch.
#pragma once
#include "ref.hpp"
#include "ops.hpp"
#include "native.hpp"

namespace zrt {

// The out-of-line path: zrt::unpack (its messages and iteration), then the stores. On
// failure no target changes and the items taken so far are released.
__attribute__((noinline, cold)) static int unpack_to_locals(PyObject* seq, Py_ssize_t n, PyObject** items,
                                                          Ref* const* targets) {
    if (unpack_fast(seq, n, items) < 0) {
        for (Py_ssize_t k = 0; k < n; k++) Py_CLEAR(items[k]);
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) targets[k]->set(items[k]);
    return 0;
}

#if !ZRT_LIMITED
// 3.12+ default builds on 64-bit: CPython's Py_INCREF/Py_DECREF test for immortal objects
// with a branch each. Per item of a statement that made clang take 97 s of CPU instead of 4
// for pyperformance's unpack_sequence (400 statements in one function), so the fast path
// uses the same arithmetic without the branches: the increment saturates at the immortal
// value (storing the value it read), the decrement subtracts 0 from an immortal count.
// Free-threaded and debug builds count references differently, and 3.14 marks immortal
// objects differently: they keep the out-of-line path.
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030E0000 && !defined(Py_GIL_DISABLED) && \
    !defined(Py_REF_DEBUG) && SIZEOF_VOID_P > 4
#define ZRT_UNPACK_FLAT_REFS 1
ZRT_NATIVE void incref_flat(PyObject* op) {
    uint32_t cur = op->ob_refcnt_split[PY_BIG_ENDIAN];
    op->ob_refcnt_split[PY_BIG_ENDIAN] = cur + (uint32_t)(cur != UINT32_MAX);
}
#else
#define ZRT_UNPACK_FLAT_REFS 0
#endif
#define ZRT_UNPACK_INLINE (PY_VERSION_HEX < 0x030C0000 || ZRT_UNPACK_FLAT_REFS)

// One store of the fast path, taking over a reference to v. False when that released the
// old value's last reference: the old value is then in *dead, not deallocated yet, and the
// caller hands it to unpack_cold before anything else runs (so at most one such object
// exists, and only for that moment). Py_DECREF's steps, without the call.
ZRT_NATIVE bool store_keeping(Ref& target, PyObject* v, PyObject** dead) {
    PyObject* old = target.p;
    target.p = v;
    if (!old) return true;
#if ZRT_UNPACK_FLAT_REFS
    // An immortal object's count has its low word's sign bit set (3.12/3.13 _Py_IsImmortal
    // on 64-bit): subtract 0 from it instead of testing first.
    Py_ssize_t rc = old->ob_refcnt;
    rc -= (Py_ssize_t)((int32_t)rc >= 0);
    old->ob_refcnt = rc;
    if (rc != 0) return true;
#else
    if (--old->ob_refcnt != 0) return true;
#endif
    *dead = old;
    return false;
}

#endif

// Everything but the fast path, out of line, one call per statement (its targets as
// arguments: no arrays in the caller's frame). dead == nullptr: the general path, after
// which no target has changed on failure. Otherwise the fast path stopped after storing
// target k - 1, whose old value `dead` lost its last reference: release it now, as that
// store's Py_DECREF would have - its __del__ may change or free the sequence, so the
// remaining items (each already holding the reference its target takes) are copied out
// first - then the remaining stores.
template <class... T>
__attribute__((noinline, cold)) static int unpack_cold(PyObject* seq, PyObject* dead, Py_ssize_t k,
                                                     T*... targets) {
    constexpr Py_ssize_t n = (Py_ssize_t)sizeof...(T);
    Ref* const to[n] = {targets...};
    PyObject* items[n] = {};
#if !ZRT_LIMITED
    if (dead) {
        PyObject* const* from = fixed_items(seq, n);
        for (Py_ssize_t j = k; j < n; j++) items[j] = from[j];
        _Py_Dealloc(dead);
        for (Py_ssize_t j = k; j < n; j++) to[j]->set(items[j]);
        return 0;
    }
#endif
    (void)dead;
    (void)k;
    return unpack_to_locals(seq, n, items, to);
}

// a, b, c = seq into the given locals: true, or false with an error set (no target changed).
// No loops and no calls on the fast path: a loop per statement made clang's LoopRotate
// quadratic over a function of hundreds of them, and a call (_Py_Dealloc) keeps the items
// in spilled registers. Braced lists and comma folds are evaluated left to right. The
// items are read again from the sequence for the stores: nothing has run since the increfs.
template <class... T>
ZRT_NATIVE bool unpack_locals(PyObject* seq, T&... targets) {
    PyObject* dead = nullptr;
    Py_ssize_t k = 0;
#if !ZRT_LIMITED && ZRT_UNPACK_INLINE
    if (PyObject* const* items = fixed_items(seq, (Py_ssize_t)sizeof...(T))) {
#if ZRT_UNPACK_FLAT_REFS
        (((void)sizeof(T*), incref_flat(items[k++])), ...);
#else
        (((void)sizeof(T*), Py_INCREF(items[k++])), ...);
#endif
        k = 0;
        if ((store_keeping(targets, items[k++], &dead) && ...)) return true;
    }
#endif
    return unpack_cold(seq, dead, k, &targets...) == 0;
}

}  // namespace zrt
