// Leaf functions without a frame: a direct entry whose body is only arithmetic and
// comparisons on its Num locals and numeric constants (translator/types.py,
// is_native_leaf) runs, when every argument is a native int or float, a copy of its body
// (DL_<name>, translator/unit_emitter.py) that pushes no frame and takes no recursion
// count. Must not: let that copy run any Python code or raise, since no frame of it is
// on the thread's chain for a traceback, sys._getframe() or a signal handler to see.
//
// So the copy's operations are the native paths of the Num operations and nothing else:
// where the Num operation would take the generic path (an int overflow, a division by
// zero, a float pow with a special case, an int/float comparison beyond 2**53) - even on
// exact ints, whose C arithmetic checks for signals and so may run a Python handler - the
// leaf op returns an error Num with no exception set and the copy gives up (leaf_bail).
// The leaf's ordinary body then runs from the start, under its frame, on the same
// arguments: the copy has no effect anyone can see (it reads and writes only its own
// locals, boxes only exact ints and floats, calls nothing), so running the body again
// gives exactly what the interpreter gives, errors and tracebacks included.
#pragma once
#include "native.hpp"
#include "frames.hpp"

namespace zrt {

// May the call skip its frame? Not at (or past) the recursion limit: there the ordinary
// body raises RecursionError as the interpreter's call would. abi3, 3.10 and versions with
// no frames of their own (frames.hpp) always take the ordinary body.
#if ZRT_FRAMES && ZRT_PY(3, 11)
ZRT_INLINE bool leaf_ok(TState ts) {
#if ZRT_PY(3, 12)
    return ts->py_recursion_remaining > 0 && ts->c_recursion_remaining > 0;
#else
    return ts->recursion_remaining > 0;
#endif
}
#else
ZRT_INLINE bool leaf_ok(TState) { return false; }
#endif

// Stands in for the FrameGuard the body's lines name (L_recursion): nothing to do.
struct LeafFrame {
    TState ts;
    explicit LeafFrame(TState t) : ts(t) {}
    void at(int) {}
    TState tstate() const { return ts; }
};

ZRT_NATIVE Num leaf_binop(int op, bool inplace, const Num& a, const Num& b) {
    return num_binop_t<true>(op, inplace, a, b);
}

ZRT_NATIVE Num leaf_neg(const Num& a) {
    if (a.k == NUM_INT && a.i != INT64_MIN) return num_int(-a.i);
    if (a.k == NUM_FLOAT) return num_float(-a.f);
    return num_err();
}

ZRT_NATIVE Num leaf_invert(const Num& a) {
    if (a.k == NUM_INT) return num_int(~a.i);
    return num_err();
}

ZRT_NATIVE int leaf_compare_truth(const Num& a, const Num& b, int op) {
    int r = num_cmp_native(a, b, op);
    return r >= 0 ? r : -1;
}

// The copy gave up. An exception it set (an unbound local, a box it could not allocate)
// is dropped: the ordinary body raises it again, from its frame.
__attribute__((noinline, cold)) static void leaf_bail() {
    if (PyErr_Occurred()) PyErr_Clear();
}

}  // namespace zrt
