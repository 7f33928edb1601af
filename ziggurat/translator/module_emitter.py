"""Stage 7, emit (module level): constants, identifiers, function specs, module init.

In: the pieces the unit emitters produce. Out: one C++ translation unit as text. The
order of everything that reaches the text is the order of first use in the source, so
translating twice gives identical C++. No absolute paths reach the output.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

from . import names as nm
from .methodcalls import MethodEntries


def c_string(data: bytes) -> str:
    """A C string literal for arbitrary bytes (octal escapes keep it unambiguous)."""
    out = []
    for b in data:
        ch = chr(b)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 32 <= b < 127 and ch != "?":
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


@dataclass
class FuncSpecInfo:
    index: int
    name: str
    qualname: str
    firstlineno: int
    argcount: int
    posonly: int
    kwonly: int
    varargs: bool
    varkw: bool
    param_names: list[str]
    varnames: list[str]
    freevars: list[str]
    extra_flags: str = "0"
    ts_body: bool = False  # has a body on a given thread state (names.FUNC_TS), not a generator


# Functions that run once per import: clang's optimiser and instruction selection on them
# were ~4% of chaos's compile (31.2 -> 29.9 G instructions), for code that makes C API calls
# either way. Unoptimised code keeps a stack slot per temporary, though (chaos's module body:
# a 1.3 KB frame, not 0.2 KB): a larger unit only gets minsize, which shares them.
RUN_ONCE = "__attribute__((cold, optnone, noinline)) "
RUN_ONCE_LARGE = "__attribute__((cold, minsize)) "
RUN_ONCE_MAX_LINES = 4000


def run_once_attributes(lines: int) -> str:
    """The attributes of a function that runs once per import, `lines` lines of C++ long."""
    return RUN_ONCE if lines <= RUN_ONCE_MAX_LINES else RUN_ONCE_LARGE


@dataclass
class ModuleEmitter:
    module_name: str
    filename: str
    future_flags: int = 0
    consts: dict[tuple[object, ...], int] = field(default_factory=dict)
    const_init: list[str] = field(default_factory=list)
    idents: dict[str, int] = field(default_factory=dict)
    specs: list[FuncSpecInfo] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    prototypes: list[str] = field(default_factory=list)
    tb_sites: list[str] = field(default_factory=list)
    counter: int = 0
    uses_generators: bool = False
    global_caches: int = 0
    attr_caches: int = 0
    method_caches: int = 0

    def method_cache(self) -> str:
        """A new method-call-site cache (see zrt::MethodCache)."""
        self.method_caches += 1
        return f"MC[{self.method_caches - 1}]"

    def attr_cache(self) -> str:
        """A new attribute-site cache (see zrt::AttrCache)."""
        self.attr_caches += 1
        return f"AC[{self.attr_caches - 1}]"
    # methods whose body call sites may enter directly (methodcalls.py)
    methods: MethodEntries = field(default_factory=MethodEntries)
    # module-level functions with a direct C++ entry: name -> number of parameters
    direct: dict[str, int] = field(default_factory=dict)
    # ... and the parameters each may use as objects (types.exposed_params)
    direct_exposed: dict[str, tuple[bool, ...]] = field(default_factory=dict)
    # ... and those a float run may compute in place (floatrun.inline_bodies): their node
    direct_inline: dict[str, ast.FunctionDef] = field(default_factory=dict)
    # method-call sites try the slots classes' direct path first (slotclass.py)
    slot_methods: bool = False
    # no statement of the module body loops: it and its top-level class bodies run once
    runs_once: bool = False

    def global_cache(self) -> str:
        """A new load-site cache for a global name (see zrt::GlobalCache)."""
        self.global_caches += 1
        return f"GC[{self.global_caches - 1}]"

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    # -- constants -----------------------------------------------------------------------
    def ident(self, name: str) -> str:
        """An interned str for an identifier (attribute, global, keyword name)."""
        if name not in self.idents:
            self.idents[name] = len(self.idents)
        return f"{nm.NAME_ARRAY}[{self.idents[name]}]"

    def const(self, value: object) -> str:
        """A C++ expression for a constant (borrowed reference)."""
        if value is None:
            return "Py_None"
        if value is True:
            return "Py_True"
        if value is False:
            return "Py_False"
        if value is Ellipsis:
            return "Py_Ellipsis"
        key = self._key(value)
        if key in self.consts:
            return f"{nm.CONST_ARRAY}[{self.consts[key]}]"
        init = self._init_expr(value)
        index = len(self.consts)
        self.consts[key] = index
        self.const_init.append(f"    if (!({nm.CONST_ARRAY}[{index}] = {init})) return -1;")
        return f"{nm.CONST_ARRAY}[{index}]"

    def _key(self, value: object) -> tuple[object, ...]:
        if isinstance(value, float):
            return (float, value.hex() if not math.isnan(value) else "nan", math.copysign(1, value))
        if isinstance(value, complex):
            return (complex, self._key(value.real), self._key(value.imag))
        if isinstance(value, tuple):
            return (tuple, tuple(self._key(v) for v in value))
        if isinstance(value, frozenset):
            return (frozenset, tuple(sorted(repr(self._key(v)) for v in value)))
        return (type(value), value)

    def _init_expr(self, value: object) -> str:
        if isinstance(value, bool) or value is None:
            raise TypeError(value)
        if isinstance(value, int):
            if -(2**62) < value < 2**62:
                return f"PyLong_FromLongLong({value}LL)"
            return f'zrt::int_const("{value}")'
        if isinstance(value, float):
            return f"PyFloat_FromDouble({self._double(value)})"
        if isinstance(value, complex):
            return f"PyComplex_FromDoubles({self._double(value.real)}, {self._double(value.imag)})"
        if isinstance(value, str):
            data = value.encode("utf-8", "surrogatepass")
            intern = 1 if value.isidentifier() or len(value) <= 1 else 0
            return f"zrt::str_const({c_string(data)}, {len(data)}, {intern})"
        if isinstance(value, bytes):
            return f"PyBytes_FromStringAndSize({c_string(value)}, {len(value)})"
        if isinstance(value, tuple):
            items = [self.const(v) for v in value]
            if not items:
                return "PyTuple_New(0)"
            return f"PyTuple_Pack({len(items)}, {', '.join(items)})"
        if isinstance(value, frozenset):
            items = sorted((self.const(v) for v in value))
            tup = self.const(tuple())
            if items:
                tup = f"PyTuple_Pack({len(items)}, {', '.join(items)})"
                return f"zrt_frozenset_steal({tup})"
            return f"PyFrozenSet_New({tup})"
        raise TypeError(f"unsupported constant {value!r}")

    @staticmethod
    def _double(x: float) -> str:
        if math.isnan(x):
            return "Py_NAN" if math.copysign(1, x) > 0 else "(-Py_NAN)"
        if math.isinf(x):
            return "Py_HUGE_VAL" if x > 0 else "(-Py_HUGE_VAL)"
        return x.hex().replace("0x", "0x") if x != 0 else ("0.0" if math.copysign(1, x) > 0 else "-0.0")

    # -- functions -----------------------------------------------------------------------
    def add_spec(self, info: FuncSpecInfo) -> None:
        self.specs.append(info)

    def render_specs(self) -> list[str]:
        out: list[str] = []
        for s in self.specs:
            k = s.index
            total = len(s.param_names)
            out.append(f"static PyObject* {nm.ARG_NAMES}{k}[{max(total, 1)}];")
            vn = ", ".join(c_string(v.encode("utf-8")) for v in s.varnames) or "nullptr"
            fv = ", ".join(c_string(v.encode("utf-8")) for v in s.freevars) or "nullptr"
            out.append(f"static const char* const VN_{k}[] = {{{vn}}};")
            out.append(f"static const char* const FV_{k}[] = {{{fv}}};")
            flags = " | ".join(
                f for f, on in (("zrt::ARG_VARARGS", s.varargs), ("zrt::ARG_VARKW", s.varkw)) if on
            ) or "0"
            out.append(
                f"static zrt::FuncSpec {nm.FUNC_SPEC}{k} = {{{c_string(s.name.encode('utf-8'))}, "
                f"{c_string(s.qualname.encode('utf-8'))}, {s.firstlineno}, "
                f"{{{s.argcount}, {s.posonly}, {s.kwonly}, {flags}, {nm.ARG_NAMES}{k}}}, {s.extra_flags}, "
                f"VN_{k}, {len(s.varnames)}, FV_{k}, {len(s.freevars)}, "
                f"(vectorcallfunc){nm.FUNC_IMPL}{k}, nullptr, nullptr, "
                f"{nm.FUNC_TS + str(k) if s.ts_body else 'nullptr'}}};"
            )
        return out

    # -- direct entries -------------------------------------------------------------------
    @staticmethod
    def direct_names(name: str) -> tuple[str, str]:
        """The direct entry of module-level function `name` and its guard."""
        return f"{nm.DIRECT}{nm.ident(name)}", f"{nm.DIRECT_GUARD}{nm.ident(name)}"

    def direct_signature(self, name: str) -> str:
        entry, _ = self.direct_names(name)
        params = ", ".join(["zrt::TState", *["zrt::Num"] * self.direct[name]])
        return f"static zrt::Num {entry}({params})"

    def direct_prototypes(self) -> list[str]:
        out = []
        for name in self.direct:
            out.append(self.direct_signature(name) + ";")
            out.append(f"static bool {self.direct_names(name)[1]}(PyObject* f);")
        return out

    def direct_stubs(self) -> list[str]:
        """A function whose body was not compiled (it fell back) has no direct entry:
        its guard always says no, so callers take the generic call."""
        out = []
        for name in self.direct:
            entry, guard = self.direct_names(name)
            if not any(b.startswith(f"static bool {guard}(") for b in self.bodies):
                out.append(f"static bool {guard}(PyObject*) {{ return false; }}")
                out.append(f"{self.direct_signature(name)} {{ return zrt::num_err(); }}")
        return out

    def render(self, module_body: str, docstring: str | None) -> str:
        last = self.module_name.rsplit(".", 1)[-1]
        spec_init = []
        for s in self.specs:
            for i, p in enumerate(s.param_names):
                spec_init.append(f"    {nm.ARG_NAMES}{s.index}[{i}] = {self.ident(p)};")
        ident_init = []
        for name, i in self.idents.items():
            data = name.encode("utf-8", "surrogatepass")
            ident_init.append(
                f"    if (!({nm.NAME_ARRAY}[{i}] = zrt::str_const({c_string(data)}, {len(data)}, 1))) return -1;"
            )
        parts = [
            f"// Generated by ziggurat from {self.filename} (module {self.module_name}). Do not edit.",
            '#include "ziggurat.hpp"',
            "#pragma clang diagnostic ignored \"-Wunused-label\"",
            "#pragma clang diagnostic ignored \"-Wunused-variable\"",
            "#pragma clang diagnostic ignored \"-Wunused-but-set-variable\"",
            "",
            "namespace {",
            f"static PyObject* {nm.CONST_ARRAY}[{max(len(self.consts), 1)}];",
            f"static PyObject* {nm.NAME_ARRAY}[{max(len(self.idents), 1)}];",
            f"static zrt::ModuleState {nm.STATE};",
            f"static zrt::GlobalCache GC[{max(self.global_caches, 1)}];",
            f"static zrt::AttrCache AC[{max(self.attr_caches, 1)}];",
            f"static zrt::MethodCache MC[{max(self.method_caches, 1)}];",
            "static PyObject* zrt_frozenset_steal(PyObject* t) {",
            "    if (!t) return nullptr;",
            "    PyObject* r = PyFrozenSet_New(t);",
            "    Py_DECREF(t);",
            "    return r;",
            "}",
            *self.tb_sites,
            *self.direct_prototypes(),
            *self.methods.prototypes(),
            *self.prototypes,
            *self.render_specs(),
            *self.bodies,
            *self.direct_stubs(),
            *self.methods.stubs(self.bodies),
            f"{run_once_attributes(len(ident_init) + len(self.const_init) + len(spec_init))}"
            "static int zrt_init_constants() {",
            "    static bool done = false;",
            "    if (done) return 0;",
            *ident_init,
            *self.const_init,
            *spec_init,
            "    done = true;",
            "    return 0;",
            "}",
            module_body,
            "static PyObject* zrt_body_trampoline(PyObject* module, PyObject*) {",
            '    zrt::forget_trampoline(&S, "__ziggurat_module_body__");',
            "    if (zrt_module_body(module) < 0) return nullptr;",
            "    Py_RETURN_NONE;",
            "}",
            'static PyMethodDef zrt_body_def = {"__ziggurat_module_body__", zrt_body_trampoline, METH_NOARGS, nullptr};',
            f"{RUN_ONCE}static int zrt_exec(PyObject* module) {{",
            f"    if (zrt::init_module_state(&{nm.STATE}, module, {c_string(self.filename.encode('utf-8'))}) < 0) return -1;",
            "    if (zrt_init_constants() < 0) return -1;",
            *(["    if (zrt::ready_generator_types() < 0 || zrt::ready_asyncgen_types() < 0) return -1;"]
              if self.uses_generators else []),
            "    return zrt::run_module_body(&S, module, &zrt_body_def);",
            "}",
            "static PyModuleDef_Slot zrt_slots[] = {",
            "    {Py_mod_exec, (void*)zrt_exec},",
            "#if PY_VERSION_HEX >= 0x030C0000 && (!defined(Py_LIMITED_API) || Py_LIMITED_API + 0 >= 0x030C0000)",
            "    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},",
            "#elif defined(Py_LIMITED_API)",
            "    {0, nullptr},  // room for that slot, added on 3.12+ by zrt::module_def_init",
            "#endif",
            "    {0, nullptr}};",
            "static PyModuleDef zrt_def = {PyModuleDef_HEAD_INIT, "
            f"{c_string(self.module_name.encode('utf-8'))}, nullptr, 0, nullptr, zrt_slots, nullptr, nullptr, nullptr}};",
            "}  // namespace",
            "",
            f'extern "C" __attribute__((visibility("default"))) PyObject* PyInit_{last}(void) {{',
            "    return zrt::module_def_init(&zrt_def);",
            "}",
            "",
        ]
        return "\n".join(parts)
