// ziggurat runtime: `len(set(<genexpr>))` counted without building the set when every item
// is a small exact int (pyperformance's nqueens counts distinct diagonals this way); the
// translator's inlined generator expression (genexpr_inline.py) feeds the items in.
//
// What it must not do: give a count a real set would not. An exact int's hash and equality
// run no code, so the distinct values of those are what the set would hold; the first item
// that is anything else (a bool, a float equal to an int, a big int, any object) turns the
// bits seen so far into a real set and every later item goes through PySet_Add, the
// builtin's own path, with its __hash__/__eq__ calls and errors.
#pragma once
#include "native.hpp"

namespace zrt {

struct DistinctCount {
    enum : int64_t { LO = -512, SPAN = 1024 };
    uint64_t bits[SPAN / 64] = {};
    Py_ssize_t n = 0;
    Ref set;  // the real set, from the first item that is not a small exact int

    void mark(int64_t i) {
        uint64_t k = (uint64_t)(i - LO), m = (uint64_t)1 << (k & 63);
        if (!(bits[k >> 6] & m)) {
            bits[k >> 6] |= m;
            n++;
        }
    }

    int add(PyObject* v) {
        if (!set.p) {
            int64_t i;
            if (PyLong_CheckExact(v) && long_to_i64(v, &i) && i >= LO && i < LO + SPAN) {
                mark(i);
                return 0;
            }
            if (materialize() < 0) return -1;
        }
        return PySet_Add(set.p, v);
    }

    // a Num item (an arithmetic element): an int in the window without making its object
    int add_num(Num& a) {
        if (!set.p && a.k == NUM_INT && a.i >= LO && a.i < LO + SPAN) {
            mark(a.i);
            return 0;
        }
        PyObject* o = num_local_obj(a);  // (the Num keeps the box and releases it)
        return o ? add(o) : -1;
    }

    int materialize() {
        set.set(PySet_New(nullptr));
        if (!set.p) return -1;
        for (int64_t w = 0; w < SPAN / 64; w++) {
            for (int64_t b = 0; b < 64 && bits[w] >> b; b++) {
                if (!((bits[w] >> b) & 1)) continue;
                Ref x(PyLong_FromLongLong((long long)(LO + w * 64 + b)));
                if (!x.p || PySet_Add(set.p, x.p) < 0) return -1;
            }
        }
        return 0;
    }

    // len() of the set: an int object
    PyObject* length() {
        if (!set.p) return PyLong_FromSsize_t(n);
        Py_ssize_t k = PySet_Size(set.p);
        return k < 0 ? nullptr : PyLong_FromSsize_t(k);
    }
};

}  // namespace zrt
