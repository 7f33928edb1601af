// Python frames for compiled code units (functions, lambdas, generator and coroutine bodies
// while they run, generator expressions, class bodies): while one runs, the thread's frame
// chain holds a frame for it, so sys._getframe(), inspect.stack(), traceback.extract_stack(),
// logging (funcName, lineno), warnings.warn(stacklevel=N), and the caller-module inference
// of namedtuple()/Enum()/TypeVar() (sys._getframemodulename) see it as they see an
// interpreted function's frame. Tracebacks of exceptions raised in compiled code use it too.
// Must not: allocate per call (a frame object is made only when someone asks for one, as
// the interpreter does), or run the frame's code object (it is never executed).
//
// The frame's code object (`TbSite::code`, one per code unit, made on first entry) carries
// the unit's co_name, co_qualname, co_filename and co_firstlineno; its bytecode is one NOP
// per source line, and its line table maps code unit k to line firstline + k, so the
// frame's "current instruction" is the current line: generated code stores it on each line
// change (FrameGuard::at), and f_lineno, tb_lineno and warnings read it the interpreter's
// way. It has no variables, so f_locals is always empty (and never reads compiled locals).
//
// Per version:
//  * 3.11-3.13: an interpreter frame (_PyInterpreterFrame, mirrored below) on the C stack,
//    linked as the thread's current frame (3.11/3.12 tstate->cframe->current_frame, 3.13
//    tstate->current_frame); a frame object is made by CPython on demand
//    (sys._getframe) and takes over the frame's data when the function returns, as the
//    interpreter's own frames do.
//  * 3.10: frames are heap objects (tstate->frame); each code unit keeps up to
//    MAX_SPARE_FRAMES frame objects nobody else holds for reuse (recursion needs one per
//    level), as 3.10 keeps a "zombie" frame per code object.
//  * abi3: the thread state is private. No frames (FrameGuard only counts recursion); the
//    same for CPython versions whose frame layout has not been checked (3.14+).
#pragma once
#include "function.hpp"
#include <stddef.h>
#include <string.h>

#if ZRT_LIMITED || ZRT_PY(3, 14)
#define ZRT_FRAMES 0
#else
#define ZRT_FRAMES 1
#endif

namespace zrt {

#if ZRT_FRAMES && ZRT_PY(3, 11)
// The interpreter's frame records (Include/internal/pycore_frame.h), which are not in the
// public headers. Layouts checked against the internal headers of 3.11.7, 3.12.1, 3.13.0.
struct IFrame {
#if ZRT_PY(3, 12)
    PyObject* f_code;  // f_executable on 3.13: strong reference in an owned frame
    IFrame* previous;
    PyObject* f_funcobj;
    PyObject* f_globals;
    PyObject* f_builtins;
    PyObject* f_locals;
    PyObject* frame_obj;
    uint16_t* instr;  // prev_instr (3.12) / instr_ptr (3.13)
    int stacktop;
    uint16_t return_offset;
    char owner;
#else
    PyObject* f_funcobj;  // f_func
    PyObject* f_globals;
    PyObject* f_builtins;
    PyObject* f_locals;
    PyObject* f_code;
    PyObject* frame_obj;
    IFrame* previous;
    uint16_t* instr;  // prev_instr
    int stacktop;
    bool is_entry;
    char owner;
#endif
    PyObject* localsplus[1];
};
struct FrameObj {  // PyFrameObject's fields (struct _frame)
    PyObject_HEAD
    PyObject* f_back;
    IFrame* f_frame;
    PyObject* f_trace;
    int f_lineno;
    char f_trace_lines;
    char f_trace_opcodes;
#if ZRT_PY(3, 13)
    PyObject* f_extra_locals;
    PyObject* f_locals_cache;
#else
    char f_fast_as_locals;
#endif
    PyObject* f_frame_data[1];
};
enum { FRAME_OWNED_BY_THREAD = 0, FRAME_OWNED_BY_FRAME_OBJECT = 2 };
#if SIZEOF_VOID_P == 8
static_assert(offsetof(IFrame, instr) == 56 && offsetof(IFrame, stacktop) == 64 &&
                  offsetof(IFrame, localsplus) == 72,
              "_PyInterpreterFrame layout");
static_assert(offsetof(IFrame, owner) == (ZRT_PY(3, 12) ? 70 : 69), "_PyInterpreterFrame layout");
static_assert(offsetof(FrameObj, f_frame_data) == (ZRT_PY(3, 13) ? 64 : 48), "PyFrameObject layout");
#endif
#if ZRT_PY(3, 13)
#define ZRT_CURRENT_FRAME(ts) (*(IFrame**)&(ts)->current_frame)
#else
#define ZRT_CURRENT_FRAME(ts) (*(IFrame**)&(ts)->cframe->current_frame)
#endif
#endif

#if ZRT_FRAMES && ZRT_PY(3, 11) && !ZRT_PY(3, 13)
// A frame object made by PyFrame_New for introspection only (gi_frame / cr_frame of a compiled
// generator): it never runs and holds no variables. 3.11/3.12's f_locals would otherwise
// "start" it - copy the function's free variables from the frame's stand-in function, which
// has no closure - and read every free slot as a cell (a NULL one: the process crashed in
// inspect.getcoroutinelocals). Marked as already past its first instruction with an empty
// value stack, f_locals reads nothing and is {} - what 3.13 gives for the same frame.
ZRT_INLINE void frame_without_locals(PyObject* frame) {
    IFrame* f = ((FrameObj*)frame)->f_frame;
    f->instr = (uint16_t*)_PyCode_CODE((PyCodeObject*)f->f_code);
    f->stacktop = 0;
}
#endif

// The code unit's frame code object (see the header comment); -1 with an error set.
// A generator's first entry may be a throw(): the exception being thrown is set, and must
// survive the call of the Python helper. (Out of line: entering a unit must stay a handful
// of inlined stores.)
__attribute__((noinline, cold)) static int site_code(ModuleState* st, TbSite* site) {
    if (site->code) return 0;
    PyObject* pending = fetch_exception();
    PyObject* code = PyObject_CallFunction(st->frame_code, "ssOii", site->name, site->qualname ? site->qualname : site->name,
                                           st->filename, site->firstline, site->nlines > 0 ? site->nlines : 1);
    if (!code) {
        Py_XDECREF(pending);
        return -1;
    }
    site->code = code;  // kept for the life of the process, as FuncSpec::code
    if (pending) restore_exception(pending);
    return 0;
}

// Unit index of `line` in the site's frame code (lines outside the unit: its nearest end).
ZRT_INLINE int site_index(const TbSite* site, int line) {
    int k = line - site->firstline;
    if (k < 0) return 0;
    return k >= site->nlines ? (site->nlines > 0 ? site->nlines - 1 : 0) : k;
}

// Entering a compiled code unit: the recursion count and, where available, the frame.
// The frame's function (f_funcobj, read by sys._getframemodulename) is a plain function of
// the module (ModuleState::frame_func): the interpreter reads the module only from exact
// function objects, which compiled functions are not, and class bodies and direct calls
// have none at hand.
struct FrameGuard {
    RecursionGuard rec;
    bool ok;
#if !ZRT_FRAMES
    ModuleState* st;
    TbSite* site;
    FrameGuard(ModuleState* s, TbSite* t, TState ts) : rec(ts), ok(rec.ok), st(s), site(t) {}
    void at(int) {}
#elif ZRT_PY(3, 11)
    PyThreadState* ts;
    uint16_t* base;  // the frame code's first code unit
    IFrame f;
    __attribute__((always_inline)) FrameGuard(ModuleState* st, TbSite* site, TState t) : rec(t), ok(false), ts(t) {
        if (!rec.ok) return;
        if (__builtin_expect(!site->code, 0) && site_code(st, site) < 0) return;
        base = (uint16_t*)((PyCodeObject*)site->code)->co_code_adaptive;  // _PyCode_CODE (3.13: internal)
        f.f_code = site->code;  // the site keeps it alive (no reference counting per call)
        f.f_funcobj = st->frame_func;
        f.f_globals = st->globals;
        f.f_builtins = st->builtins;
        f.f_locals = nullptr;
        f.frame_obj = nullptr;
        f.instr = base;
        f.stacktop = 0;
        f.owner = FRAME_OWNED_BY_THREAD;
#if !ZRT_PY(3, 12)
        f.is_entry = false;
#endif
        f.previous = ZRT_CURRENT_FRAME(ts);
        ZRT_CURRENT_FRAME(ts) = &f;
        ok = true;
    }
    __attribute__((always_inline)) ~FrameGuard() {
        if (!ok) return;
        ZRT_CURRENT_FRAME(ts) = f.previous;
        if (__builtin_expect(f.frame_obj || f.f_locals, 0)) pop_slow();
    }
    void at(int k) { f.instr = base + k; }
    // Someone made a frame object for this frame (sys._getframe, a traceback): if it is
    // still referenced, it takes the frame's data over, as the interpreter's frames do
    // (take_ownership in Python/frame.c), else it goes with the frame.
    __attribute__((noinline, cold)) void pop_slow() {
        PyObject* pending = fetch_exception();
        FrameObj* fo = (FrameObj*)f.frame_obj;
        f.frame_obj = nullptr;
        if (fo && Py_REFCNT(fo) > 1) {
            // the caller's frame object, while `previous` still says who called
            PyObject* back = (PyObject*)PyFrame_GetBack((PyFrameObject*)fo);
            if (!back) PyErr_Clear();
            IFrame* owned = (IFrame*)fo->f_frame_data;
            memcpy(owned, &f, offsetof(IFrame, localsplus));
            Py_INCREF(owned->f_code);  // the frame object owns these, and f_locals as it is
            Py_XINCREF(owned->f_funcobj);
            owned->previous = nullptr;
            owned->owner = FRAME_OWNED_BY_FRAME_OBJECT;
            fo->f_frame = owned;
            Py_XSETREF(fo->f_back, back);
            if (!PyObject_GC_IsTracked((PyObject*)fo)) PyObject_GC_Track((PyObject*)fo);
            Py_DECREF(fo);
        } else {
            Py_XDECREF(fo);
            Py_CLEAR(f.f_locals);
        }
        if (pending) restore_exception(pending);
    }
#else  // 3.10
    enum { MAX_SPARE_FRAMES = 32 };
    PyThreadState* ts;
    TbSite* site;
    PyFrameObject* f;
    FrameGuard(ModuleState* st, TbSite* s, TState t) : rec(t), ok(false), ts(t), site(s) {
        if (!rec.ok) return;
        if (!site->code && site_code(st, site) < 0) return;
        f = (PyFrameObject*)site->spare;
        if (f) {  // the chain's link becomes the caller
            site->spare = (PyObject*)f->f_back;
            site->nspare--;
            f->f_back = (PyFrameObject*)xnewref((PyObject*)ts->frame);
        } else {
            PyObject* pending = fetch_exception();  // (see site_code)
            f = PyFrame_New(ts, (PyCodeObject*)site->code, st->globals, nullptr);  // links f_back
            if (!f) {
                Py_XDECREF(pending);
                return;
            }
            if (pending) restore_exception(pending);
        }
        f->f_lasti = 0;
        f->f_state = FRAME_EXECUTING;
        ts->frame = f;
        ok = true;
    }
    ~FrameGuard() {
        if (!ok) return;
        ts->frame = f->f_back;
        f->f_state = FRAME_RETURNED;
        // Nobody else holds the frame: keep it (without its caller) for a next call
        if (Py_REFCNT(f) == 1 && site->nspare < MAX_SPARE_FRAMES && !f->f_locals && !f->f_trace) {
            Py_CLEAR(f->f_back);
            f->f_back = (PyFrameObject*)site->spare;
            site->spare = (PyObject*)f;
            site->nspare++;
        } else {
            Py_DECREF(f);  // a kept frame keeps its f_back, as in the interpreter
        }
    }
    void at(int k) { f->f_lasti = k; }
#endif
    __attribute__((always_inline)) FrameGuard(ModuleState* st, TbSite* site) : FrameGuard(st, site, current_tstate()) {}
    // The thread state, for the direct calls this unit makes (nullptr in abi3 builds).
    TState tstate() const { return rec.tstate(); }
    FrameGuard(const FrameGuard&) = delete;
    FrameGuard& operator=(const FrameGuard&) = delete;
};

// The traceback entry of a compiled code unit, on its own frame (tb_frame.f_back is the
// caller, f_globals the module's). tb_lineno is `line` whatever the frame code says.
ZRT_INLINE void frame_traceback(ModuleState* st, TbSite* site, FrameGuard& g, int line) {
#if !ZRT_FRAMES
    (void)g;
    add_traceback(site, st->globals, st->filename, line);
#else
    PyObject* fo = nullptr;
#if ZRT_PY(3, 11)
    if (g.ok && ZRT_CURRENT_FRAME(g.ts) == &g.f) {
        PyObject* exc = fetch_exception();
        if (!exc) return;  // (a throw() into a generator that had not started)
        fo = (PyObject*)PyEval_GetFrame();  // borrowed: made for our frame on first use
        if (!fo) PyErr_Clear();
        restore_exception(exc);
    }
#else
    if (g.ok && g.ts->frame == g.f) fo = (PyObject*)g.f;
#endif
    if (!fo) {
        add_traceback(site, st->globals, st->filename, line);
        return;
    }
    if (PyTraceBack_Here((PyFrameObject*)fo) < 0) return;
    if (site->firstline + site_index(site, line) == line) return;
    set_traceback_line(line);  // a line outside the unit's frame code
#endif
}

}  // namespace zrt
