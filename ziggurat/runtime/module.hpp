// Module-level support: running the parts of a module that stay interpreted.
#pragma once
#include "function.hpp"

namespace zrt {

// Execute source text (a top-level def/class the translator could not compile, or a whole
// module) in `ns`, with line numbers of the original file. `future_flags` carries the
// module's `from __future__` imports.
ZRT_INLINE int exec_source(ModuleState* st, const char* src, PyObject* ns, int future_flags) {
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    flags.cf_flags = future_flags;
    Ref code(Py_CompileStringExFlags(src, st->filename_c, Py_file_input, &flags, -1));
    if (!code.p) return -1;
    Ref r(PyEval_EvalCode(code.p, st->globals, ns));
    return r.p ? 0 : -1;
}

}  // namespace zrt
