"""Every prefix of a name in generated C++, in one table (the runtime header repeats it).

Pure data and tiny helpers; nothing here knows about the AST.
"""

from __future__ import annotations

import re

CONST_ARRAY = "C"          # module constants
NAME_ARRAY = "N"           # interned identifiers
STATE = "S"                # the module's zrt::ModuleState
FUNC_IMPL = "f_"           # vectorcall implementation of a compiled function
FUNC_SPEC = "FS_"          # its zrt::FuncSpec
FUNC_TS = "b_"             # its body on a thread state the caller passes (f_<k> looks it up)
GEN_NEW = "n_"             # makes a generator function's generator (f_<k> checks __code__ first)
DIRECT = "D_"              # direct entry of a module-level function: Nums in, a Num out
DIRECT_GUARD = "DG_"       # is this object the function D_<name> runs?
DIRECT_LEAF = "DL_"        # a leaf D_<name>'s frameless copy, run first (runtime/leaf.hpp)
ARG_NAMES = "AN_"          # the interned parameter names of a FuncSpec
CLASS_BODY = "c_"          # body of a compiled class
LOCAL = "l_"               # fast local
CELL = "k_"                # cell owned by the function
COMP_LOCAL = "q"           # comprehension variable: q<k>_<name>
TEMP = "t"                 # temporary
LABEL = "L"                # labels


def ident(name: str) -> str:
    """A C++-safe spelling of a Python identifier (non-ASCII letters are encoded)."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "u" + "".join(c if c.isalnum() and c.isascii() else f"_{ord(c):x}_" for c in name)
