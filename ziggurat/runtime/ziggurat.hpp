// ziggurat runtime: the umbrella header every generated module includes.
//
// Naming conventions of generated code (the prefixes live in translator/names.py):
//   zrt::        this runtime (header-only; no libc++, no C++ exceptions, no RTTI)
//   C[i]         module constants (ints, floats, strings, bytes, constant tuples)
//   N[i]         interned identifier strings (attribute, global and keyword names)
//   f_<k>        the vectorcall implementation of compiled function k
//   c_<k>        the body of compiled class k
//   l_<name>     a fast local; k_<name> a cell; t<k> a temporary
//
// Error model: CPython's own. Every operation that can fail returns NULL (or -1) with the
// thread's error indicator set; generated code tests and jumps to the enclosing handler.
// References are owned by zrt::Ref (RAII), so leaving a block on any path releases them.
// This was chosen over C++ `throw` because Python code raises for control flow
// (StopIteration, KeyError, AttributeError in getattr(..., default)) where a C++ throw costs
// microseconds, and because it keeps every module free of libc++abi and an unwinder.
#pragma once
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ref.hpp"
#include "exceptions.hpp"
#include "args.hpp"
#include "function.hpp"
#include "frames.hpp"
#include "ops.hpp"
#include "attrcache.hpp"
#include "imports.hpp"
#include "classes.hpp"
#include "slotclass.hpp"
#include "generator.hpp"
#include "asyncgen.hpp"
#include "match.hpp"
#include "native.hpp"
#include "slotrun.hpp"
#include "unpack.hpp"
#include "jsonenc.hpp"
#include "listops.hpp"
#include "setcount.hpp"
#include "genexpr.hpp"
#include "leaf.hpp"
#include "module.hpp"
#include "typeparams.hpp"
