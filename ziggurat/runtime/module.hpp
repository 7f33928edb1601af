// Module-level support: running the parts of a module that stay interpreted.
#pragma once
#include "function.hpp"

namespace zrt {

// PyModuleDef_Init, declaring (3.12+) that the module's state is per process: it must not be
// loaded by several interpreters. An abi3 module for 3.11 cannot name that slot statically
// (3.11 refuses slots it does not know), so it is added here when running on 3.12 or later,
// in the room the generated slot table leaves for it.
ZRT_INLINE PyObject* module_def_init(PyModuleDef* def) {
#if ZRT_LIMITED && !ZRT_PY(3, 12)
    if (ZRT_RUNNING_PY(3, 12)) {
        const int multiple_interpreters = 3;  // Py_mod_multiple_interpreters
        PyModuleDef_Slot* s = def->m_slots;
        while (s->slot && s->slot != multiple_interpreters) s++;
        if (!s->slot) s[0] = {multiple_interpreters, nullptr};  // ..._NOT_SUPPORTED; s[1] ends it
    }
#endif
    return PyModuleDef_Init(def);
}

// Execute source text (a top-level def/class the translator could not compile, or a whole
// module) in `ns`, with line numbers of the original file. `future_flags` carries the
// module's `from __future__` imports.
ZRT_INLINE int exec_source(ModuleState* st, const char* src, PyObject* ns, int future_flags) {
#if ZRT_LIMITED
    // abi3: no PyCompilerFlags; builtins.compile takes the same flags
    Ref text(PyUnicode_FromString(src));
    Ref flags_obj(PyLong_FromLong(future_flags));
    Ref code(text.p && flags_obj.p ? PyObject_CallFunction(ltypes.compile, "OOsOi", text.p, st->filename, "exec",
                                                           flags_obj.p, 1)
                                   : nullptr);
    if (!code.p) return -1;
    Ref r(PyEval_EvalCode(code.p, st->globals, ns));
    return r.p ? 0 : -1;
#else
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    flags.cf_flags = future_flags;
    Ref code(Py_CompileStringExFlags(src, st->filename_c, Py_file_input, &flags, -1));
    if (!code.p) return -1;
    Ref r(PyEval_EvalCode(code.p, st->globals, ns));
    return r.p ? 0 : -1;
#endif
}

// Run the module body under a real (one-line) Python frame whose globals are the module's,
// so code that looks at its caller's frame - namedtuple(), Enum('E', ...), TypeVar(),
// warnings.warn(), logging - sees this module, as it would for interpreted module code.
// The trampoline's own traceback entry is dropped: the body adds its exact one.
ZRT_INLINE void forget_trampoline(ModuleState* st, const char* name) {
    PyObject* pending = fetch_exception();
    if (PyDict_DelItemString(st->builtins, name) < 0) PyErr_Clear();
    if (pending) restore_exception(pending);
}

ZRT_INLINE int run_module_body(ModuleState* st, PyObject* module, PyMethodDef* body) {
    // The frame's locals are the module globals too (exec/eval/locals() reached through an
    // alias read them). The trampoline is found in the builtins, only while the call starts,
    // so the module's own namespace never shows it.
    Ref fn(PyCFunction_New(body, module));
    if (!fn.p || PyDict_SetItemString(st->builtins, body->ml_name, fn.p) < 0) return -1;
    Ref call(PyUnicode_FromFormat("%s()", body->ml_name));
    Ref code(call.p ? Py_CompileString(PyUnicode_AsUTF8(call.p), st->filename_c, Py_eval_input) : nullptr);
    Ref r(code.p ? PyEval_EvalCode(code.p, st->globals, st->globals) : nullptr);
    {
        PyObject* pending = fetch_exception();
        if (PyDict_DelItemString(st->builtins, body->ml_name) < 0) PyErr_Clear();
        if (pending) restore_exception(pending);
    }
    if (r.p) return 0;
    if (!code.p) return -1;
    PyObject* exc = fetch_exception();
    if (!exc) return -1;
    PyObject* tb = PyException_GetTraceback(exc);
#if ZRT_LIMITED
    if (tb) {
        Ref frame(PyObject_GetAttrString(tb, "tb_frame"));
        Ref head_code(frame.p ? PyObject_GetAttrString(frame.p, "f_code") : nullptr);
        Ref next(head_code.p == code.p ? PyObject_GetAttrString(tb, "tb_next") : nullptr);
        if (next.p) PyException_SetTraceback(exc, next.p);
        PyErr_Clear();
        Py_DECREF(tb);
    }
#else
    if (tb) {
        PyTracebackObject* head = (PyTracebackObject*)tb;
        Ref head_code((PyObject*)PyFrame_GetCode(head->tb_frame));
        if (head_code.p == code.p)
            PyException_SetTraceback(exc, head->tb_next ? (PyObject*)head->tb_next : Py_None);
        Py_DECREF(tb);
    }
#endif
    restore_exception(exc);
    return -1;
}

}  // namespace zrt
